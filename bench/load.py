"""Load benchmark: whole lifecycles over HTTP against the embedded stack, and the raw
Temporal throughput of the same number of Updates, measured in the same run.

    .venv/bin/python -m bench.load [--dossiers 200] [--concurrency 16] [--open 2000]

Starts its own Temporal dev server (SQLite, WAL), one `motcua worker` and one `motcua api`
process on PostgreSQL (database `motcua_load`, recreated), then measures:

1. throughput: N dossiers, each submitted and carried through its whole lifecycle (8
   requests, 7 of them workflow Updates) at concurrency C, latency percentiles per endpoint;
2. two baselines, alternating with the stack round by round (`--rounds`, medians): the
   thinnest service a team could put in front of Temporal instead (bench/bare.py: FastAPI
   forwarding the same eight requests as a start and 7 Updates, no sign-in, no database),
   and the minimal workflow taking the 7 Updates with no HTTP at all; the ratios to each,
   and the CPU of every process per lifecycle;
3. a clerk's action latency at `--rate` (10) new dossiers a second (open loop), and the
   portal sync lag meanwhile;
4. citizen tracking latency at 200 requests a second (open loop);
5. the worker's memory holding `--open` open dossiers with their pending timers;
6. `--deadlines` dossiers due at the same instant (demo mode: accepted at one back-dated
   instant), every clock then moved past it: how long until every breach is recorded;
7. what each of the eight requests costs each process: N dossiers, action by action.

Prints the figures; nothing asserts on time (see bench/README or the main README).
"""

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
from temporalio.client import Client
from temporalio.worker import Worker

from bench.queues import fresh_database
from bench.raw import Counter
from bench.stack import DATABASE, SECRET, Stack
from catalogue import load_procedures
from motcua.database import save_demo_staff
from motcua.demo import DEMO_PASSWORD
from motcua.settings import Settings
from motcua.temporal import connect
from workflows.dossier import DossierWorkflow

JUSTICE = {"procedure_code": "2.000488", "receiving_unit": "xa-vu-bon"}
# The counter found every paper of the procedure (its checklist, all received).
COMPLETE = {
    "checklist": [
        {"slot": slot, "state": "received", "form": "copy"}
        for procedure in load_procedures()
        if procedure.code == JUSTICE["procedure_code"]
        for slot in range(len(procedure.required_documents))
    ]
}
APPLICANT = {"full_name": "Nguyễn Văn Tải", "id_number": "066190009999", "phone": "0912000111"}
# (action, role, unit, body): the whole path of a provincial dossier received at a commune.
LIFECYCLE: list[tuple[str, str, dict[str, Any]]] = [
    ("accept", "clerk.xa-vu-bon", COMPLETE),
    ("transfer", "clerk.xa-vu-bon", {}),
    ("assign", "leader.so-tu-phap", {"officer": "officer.so-tu-phap"}),
    ("appraise", "officer.so-tu-phap", {"result": "sufficient", "findings": "Hợp lệ"}),
    ("approve", "leader.so-tu-phap", {"decision": "grant", "decision_number": "1/QĐ"}),
    ("mark_result_ready", "officer.so-tu-phap", {}),
    ("return_result", "clerk.xa-vu-bon", {"method": "in_person"}),
]
CLERK_ACTIONS = {"accept", "transfer", "return_result"}
RAW_QUEUE = "load-raw"


def _per_dossier(
    before: dict[str, float], after: dict[str, float], count: int, digits: int = 0
) -> str:
    return ", ".join(
        f"{name} {1000 * (after[name] - before.get(name, 0.0)) / count:.{digits}f}"
        for name in after
        if after[name] - before.get(name, 0.0) > 0.001
    )


def _percentiles(values: list[float]) -> str:
    if not values:
        return "—"
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return f"p50 {at(0.5):7.1f}  p95 {at(0.95):7.1f}  p99 {at(0.99):7.1f}  (n={len(values)})"


class Driver:
    def __init__(self, api: httpx.AsyncClient) -> None:
        self.api = api
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.tokens: dict[str, str] = {}

    async def sign_in(self) -> None:
        for username in {user for _, user, _ in LIFECYCLE}:
            response = await self.api.post(
                "/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD}
            )
            response.raise_for_status()
            self.tokens[username] = f"Bearer {response.json()['access_token']}"

    async def _timed(self, name: str, call: Callable[[], Awaitable[httpx.Response]]) -> Any:
        started = time.perf_counter()
        response = await call()
        self.latency[name].append(time.perf_counter() - started)
        if response.status_code >= 300:
            raise RuntimeError(f"{name}: {response.status_code} {response.text[:200]}")
        return response.json()

    async def submit(self) -> tuple[str, str]:
        headers = {"Authorization": self.tokens["clerk.xa-vu-bon"]}
        body = {**JUSTICE, "channel": 1, "applicant": APPLICANT}
        receipt = await self._timed(
            "submit", lambda: self.api.post("/api/v1/dossiers", json=body, headers=headers)
        )
        return receipt["code"], receipt["tracking_secret"]

    async def lifecycle(self) -> tuple[str, str]:
        code, secret = await self.submit()
        for action, user, body in LIFECYCLE:
            headers = {"Authorization": self.tokens[user]}
            await self._timed(
                action,
                lambda a=action, b=body, h=headers: self.api.post(
                    f"/api/v1/dossiers/{code}/actions/{a}", json=b, headers=h
                ),
            )
        return code, secret

    async def track(self, code: str, secret: str) -> None:
        await self._timed(
            "track",
            lambda: self.api.get(f"/api/v1/track/{code}", headers={"X-Tracking-Secret": secret}),
        )


async def _bounded(count: int, concurrency: int, job: Callable[[], Awaitable[Any]]) -> float:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def worker() -> None:
        while not queue.empty():
            queue.get_nowait()
            await job()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def _open_loop(rate: float, seconds: float, job: Callable[[], Awaitable[Any]]) -> None:
    tasks = []
    started = time.perf_counter()
    for n in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(job()))
    await asyncio.gather(*tasks)


async def _raw_baseline(address: str, count: int, concurrency: int) -> float:
    client = await Client.connect(address)
    updates = len(LIFECYCLE)
    prefix = f"raw-{time.time_ns()}"
    numbers = iter(range(count))

    async def one() -> None:
        handle = await client.start_workflow(
            Counter.run, updates, id=f"{prefix}-{next(numbers)}", task_queue=RAW_QUEUE
        )
        for _ in range(updates):
            await handle.execute_update(Counter.bump)
        await handle.result()

    return await _bounded(count, concurrency, one)


async def _raw_worker(address: str) -> None:
    client = await Client.connect(address)
    async with Worker(client, task_queue=RAW_QUEUE, workflows=[Counter]):
        await asyncio.Event().wait()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--open", type=int, default=2000, help="open dossiers for the memory figure"
    )
    parser.add_argument("--phases", default="1234567", help="which of the seven to run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of 1-2")
    parser.add_argument(
        "--portal-delay-ms",
        type=int,
        default=200,
        help="the simulated national portal's answer time; negative: no portal sync",
    )
    parser.add_argument("--deadlines", type=int, default=1000, help="dossiers due at once")
    parser.add_argument("--rate", type=float, default=10, help="phase 3: new dossiers a second")
    parser.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="ACTION",
        help="phase 7: profile the API and the worker with py-spy while ACTION runs",
    )
    parser.add_argument("--raw-worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw_worker:
        await _raw_worker(args.raw_worker)
        return

    await fresh_database(DATABASE)
    await save_demo_staff(DATABASE, DEMO_PASSWORD)
    with tempfile.TemporaryDirectory() as workdir:
        stack = Stack(Path(workdir))
        if args.portal_delay_ms >= 0:
            stack.portal(args.portal_delay_ms)
        stack.start()
        stack.raw_worker()
        stack.bare_port = stack.bare_api(RAW_QUEUE)
        try:
            await _measure(stack, args)
        finally:
            stack.stop()


async def _measure(stack: Stack, args: argparse.Namespace) -> None:
    # Idle connections are dropped before the server's keep-alive (uvicorn: 5 s) ends:
    # at equal timeouts a request sent as the server closes is reset.
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400, keepalive_expiry=2.0)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{stack.api_port}", timeout=120, limits=limits
    ) as api:
        driver = Driver(api)
        await driver.sign_in()
        await _bounded(10, 4, driver.lifecycle)  # warm-up: caches, connections
        driver.latency.clear()

        n, c = args.dossiers, args.concurrency
        if "1" in args.phases or "2" in args.phases:
            await _throughput(stack, driver, n, c, args.rounds)
        codes: list[tuple[str, str]] = []

        async def new_dossier() -> None:
            codes.append(await driver.lifecycle())

        if "3" in args.phases:
            driver.latency.clear()
            await _open_loop(args.rate, 20, new_dossier)
            clerk = [v for name in CLERK_ACTIONS for v in driver.latency[name]]
            every = [v for values in driver.latency.values() for v in values]
            print(f"\n3. {args.rate:g} new dossiers/s for 20 s, each through its lifecycle")
            print(f"  clerk actions       {_percentiles(clerk)}  ms")
            print(f"  every action        {_percentiles(every)}  ms")
            if args.portal_delay_ms >= 0:
                await _portal_lag([code for code, _ in codes], args.portal_delay_ms)
        if "4" in args.phases:
            if not codes:
                await _bounded(20, c, new_dossier)
            cycle = iter(codes * 3000)
            # One second unrecorded first: the generator opens its connections then.
            await _open_loop(200, 1, lambda: driver.track(*next(cycle)))
            driver.latency.clear()
            cpu_before = stack.cpu_seconds()
            await _open_loop(200, 10, lambda: driver.track(*next(cycle)))
            tracked = len(driver.latency["track"])
            print("\n4. citizen tracking at 200 requests/s for 10 s")
            print(f"  track               {_percentiles(driver.latency['track'])}  ms")
            print(
                f"  CPU ms per request: {_per_dossier(cpu_before, stack.cpu_seconds(), tracked, 1)}"
            )
        if "7" in args.phases:
            await _per_action(stack, driver, n, c, frozenset(args.profile))
        if "6" in args.phases:
            await _deadlines_at_one_instant(stack, driver, args.deadlines, c)
        if "5" in args.phases:
            await _open_dossiers(stack, driver, args.open, c)


async def _deadlines_at_one_instant(
    stack: Stack, driver: Driver, count: int, concurrency: int
) -> None:
    """DEMO MODE: `count` dossiers accepted at the same back-dated instant, so due at the
    same instant; then every clock is moved past it and the breaches are counted."""
    settings = Settings(
        secret_key=SECRET,
        database_url=DATABASE,
        temporal_address=f"127.0.0.1:{stack.temporal_port}",
    )
    client = await connect(settings)
    local = datetime.now(UTC).astimezone(ZoneInfo(settings.timezone)) - timedelta(days=21)
    while local.weekday() >= 5:
        local -= timedelta(days=1)
    submitted = local.replace(hour=8, minute=0, second=0, microsecond=0)
    clerk = {"Authorization": driver.tokens["clerk.xa-vu-bon"]}
    codes: list[str] = []

    async def accepted_at_the_same_instant() -> None:
        body = {**JUSTICE, "channel": 1, "applicant": APPLICANT}
        headers = {**clerk, "X-Demo-Time": submitted.isoformat()}
        response = await driver.api.post("/api/v1/dossiers", json=body, headers=headers)
        code = response.json()["code"]
        handle = client.get_workflow_handle_for(DossierWorkflow.run, code)
        await handle.signal(DossierWorkflow.demo_clock, submitted + timedelta(minutes=10))
        detail = await driver.api.post(
            f"/api/v1/dossiers/{code}/actions/accept", json=COMPLETE, headers=clerk
        )
        detail.raise_for_status()
        codes.append(code)

    await _bounded(count, concurrency, accepted_at_the_same_instant)
    database = await asyncpg.connect(DATABASE.replace("+asyncpg", ""))
    dues = await database.fetch("SELECT DISTINCT due_at FROM dossier WHERE code = ANY($1)", codes)
    first_due, last_due = min(r["due_at"] for r in dues), max(r["due_at"] for r in dues)
    signals = asyncio.Semaphore(50)

    async def move_clock(code: str, to: datetime) -> None:
        async with signals:
            handle = client.get_workflow_handle_for(DossierWorkflow.run, code)
            await handle.signal(DossierWorkflow.demo_clock, to)

    # The earlier rungs (70 %, 90 %) fired on their own days in reality: let them fire
    # first, then measure the breaches alone.
    await asyncio.gather(*(move_clock(c, first_due - timedelta(minutes=10)) for c in codes))
    await _quiet(database, codes)
    past_due = last_due + timedelta(minutes=1)
    cpu_before = stack.cpu_seconds()
    started = time.perf_counter()
    await asyncio.gather(*(move_clock(code, past_due) for code in codes))
    signalled = time.perf_counter() - started
    breached = 0
    while breached < count and time.perf_counter() - started < 600:
        await asyncio.sleep(0.25)
        breached = await database.fetchval(
            "SELECT count(DISTINCT dossier_code) FROM dossier_event "
            "WHERE type = 'deadline_breached' AND dossier_code = ANY($1)",
            codes,
        )
    recorded = time.perf_counter() - started
    # Handled means told, too: every breach's notifications sent by the dispatcher.
    unsent = None
    while unsent != 0 and time.perf_counter() - started < 600:
        unsent = await database.fetchval(
            "SELECT count(*) FROM notification WHERE kind = 'deadline_breached' "
            "AND dossier_code = ANY($1) AND status <> 'sent'",
            codes,
        )
        await asyncio.sleep(0.25)
    notified = await database.fetchval(
        "SELECT count(DISTINCT dossier_code) FROM notification WHERE kind = 'deadline_breached' "
        "AND dossier_code = ANY($1) AND status = 'sent'",
        codes,
    )
    await database.close()
    cpu = _per_dossier(cpu_before, stack.cpu_seconds(), count)
    spread = (last_due - first_due).total_seconds()
    print(f"\n6. {count} dossiers due within {spread:.0f} s of each other: clocks "
          f"moved past it in {signalled:.1f} s; {breached} breaches recorded "
          f"{recorded:.1f} s after the first move; {notified} dossiers' breach "
          f"notifications all sent {time.perf_counter() - started:.1f} s after it\n"
          f"  CPU ms per breach: {cpu}")  # fmt: skip


async def _portal_lag(codes: list[str], delay_ms: int) -> None:
    """From each event's record to the portal's acknowledgement, for these dossiers."""
    database = await asyncpg.connect(DATABASE.replace("+asyncpg", ""))
    try:
        unacknowledged = (
            "SELECT count(*) FROM portal_sync WHERE acked_at IS NULL AND dossier_code = ANY($1)"
        )
        waited = time.perf_counter()
        while time.perf_counter() - waited < 120:
            if not await database.fetchval(unacknowledged, codes):
                break
            await asyncio.sleep(0.25)
        rows = await database.fetch(
            "SELECT extract(epoch FROM acked_at - created_at) AS lag FROM portal_sync "
            "WHERE acked_at IS NOT NULL AND dossier_code = ANY($1)",
            codes,
        )
        left = await database.fetchval(unacknowledged, codes)
    finally:
        await database.close()
    lags = [float(r["lag"]) for r in rows]
    print(f"  portal sync lag     {_percentiles(lags)}  ms  (portal answering in {delay_ms} ms; "
          f"{left} unacknowledged)")  # fmt: skip


async def _quiet(database: Any, codes: list[str]) -> None:
    """Until no dossier of these has had a new event for two seconds."""
    last, still = -1, 0
    while still < 8:
        await asyncio.sleep(0.25)
        now = await database.fetchval(
            "SELECT count(*) FROM dossier_event WHERE dossier_code = ANY($1)", codes
        )
        still = still + 1 if now == last else 0
        last = now


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _total(before: dict[str, float], after: dict[str, float]) -> float:
    return sum(after[name] - before.get(name, 0.0) for name in after)


async def _bare_lifecycle(bare: httpx.AsyncClient) -> None:
    """The same eight requests, to the thinnest service: a start and seven Updates."""
    body = {**JUSTICE, "channel": 1, "applicant": APPLICANT}
    code = (await bare.post("/dossiers", json=body)).raise_for_status().json()["code"]
    for action, _, action_body in LIFECYCLE:
        (await bare.post(f"/dossiers/{code}/actions/{action}", json=action_body)).raise_for_status()


async def _throughput(stack: Stack, driver: Driver, n: int, c: int, rounds: int) -> None:
    """The stack, the bare FastAPI service and the raw workflow, alternating round by round
    so that each sees the same hour; medians of the rounds."""
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400, keepalive_expiry=2.0)
    runs: dict[str, list[tuple[float, dict[str, float]]]] = defaultdict(list)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{stack.bare_port}", timeout=120, limits=limits
    ) as bare:
        await _bounded(10, 4, lambda: _bare_lifecycle(bare))  # warm-up
        jobs: dict[str, Callable[[], Awaitable[float]]] = {
            "stack": lambda: _bounded(n, c, driver.lifecycle),
            "bare": lambda: _bounded(n, c, lambda: _bare_lifecycle(bare)),
            "raw": lambda: _raw_baseline(f"127.0.0.1:{stack.temporal_port}", n, c),
        }
        driver.latency.clear()
        for _ in range(rounds):
            for name, job in jobs.items():
                before = stack.cpu_seconds()
                seconds = await job()
                after = stack.cpu_seconds()
                per = {k: 1000 * (after[k] - before.get(k, 0.0)) / n for k in after}
                runs[name].append((n / seconds, per))
    rate = {name: _median([r for r, _ in results]) for name, results in runs.items()}
    cpu = {name: _median([sum(p.values()) for _, p in results]) for name, results in runs.items()}
    print(f"\n1-2. {n} lifecycles (8 requests: a submission and 7 actions) at concurrency {c}, "
          f"medians of {rounds} alternating rounds")  # fmt: skip
    print(f"  full lifecycle over HTTP   {rate['stack']:7.2f} dossiers/s")
    print(f"  bare FastAPI, 7 Updates    {rate['bare']:7.2f} workflows/s")
    print(f"  raw workflow, 7 Updates    {rate['raw']:7.2f} workflows/s")
    print(f"  stack / bare FastAPI       {100 * rate['stack'] / rate['bare']:7.1f} %")
    print(f"  stack / raw workflow       {100 * rate['stack'] / rate['raw']:7.1f} %")
    print(f"  CPU of all processes per lifecycle: stack {cpu['stack']:.0f} ms, bare "
          f"{cpu['bare']:.0f} ms, raw {cpu['raw']:.0f} ms")  # fmt: skip
    print(f"  CPU stack / raw {cpu['stack'] / cpu['raw']:.2f}x, "
          f"stack / bare {cpu['stack'] / cpu['bare']:.2f}x")  # fmt: skip
    for name, results in runs.items():
        rounds_text = ", ".join(f"{r:.2f}" for r, _ in results)
        last = results[len(results) // 2][1]
        parts = ", ".join(f"{k} {v:.0f}" for k, v in last.items() if v >= 0.5)
        print(f"  {name:<6} rounds/s: {rounds_text}; CPU ms per lifecycle (middle round): {parts}")
    for name in ["submit", *(a for a, _, _ in LIFECYCLE)]:
        print(f"  {name:<20} {_percentiles(driver.latency[name])}  ms")


PROFILES = Path(__file__).resolve().parents[1] / "artifacts" / "profiles"


def _profilers(stack: Stack, action: str) -> list[subprocess.Popen[bytes]]:
    """py-spy (pip install py-spy) sampling the API and the worker while `action` runs, the
    thread holding the GIL only: folded stacks in artifacts/profiles/."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    PROFILES.mkdir(parents=True, exist_ok=True)
    started = []
    for name in ("api", "worker"):
        command = [spy, "record", "--pid", str(stack.processes[name].pid), "--gil",
                   "--nonblocking", "--rate", "250", "--format", "raw",
                   "--output", str(PROFILES / f"{action}-{name}.folded")]  # fmt: skip
        started.append(
            subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
    time.sleep(1)  # attached before the first request
    return started


async def _per_action(
    stack: Stack, driver: Driver, n: int, c: int, profile: frozenset[str] = frozenset()
) -> None:
    """What each of the eight requests costs each process: n dossiers submitted, then each
    action taken on all n before the next, the CPU of every process read in between."""
    codes: list[str] = []

    async def submit() -> None:
        codes.append((await driver.submit())[0])

    table: dict[str, dict[str, float]] = {}
    before = stack.cpu_seconds()
    await _bounded(n, c, submit)
    after = stack.cpu_seconds()
    table["submit"] = {k: 1000 * (after[k] - before.get(k, 0.0)) / n for k in after}
    for action, user, body in LIFECYCLE:
        pending = iter(list(codes))
        headers = {"Authorization": driver.tokens[user]}

        async def one(
            a: str = action,
            b: dict[str, Any] = body,
            h: dict[str, str] = headers,
            p: Iterator[str] = pending,
        ) -> None:
            code = next(p)
            response = await driver.api.post(
                f"/api/v1/dossiers/{code}/actions/{a}", json=b, headers=h
            )
            response.raise_for_status()

        profiling = _profilers(stack, action) if action in profile else []
        before = stack.cpu_seconds()
        await _bounded(n, c, one)
        after = stack.cpu_seconds()
        for profiler in profiling:
            profiler.send_signal(signal.SIGINT)  # py-spy writes what it has on SIGINT
            profiler.wait(60)
        table[action] = {k: 1000 * (after[k] - before.get(k, 0.0)) / n for k in after}
    shown = ["api", "worker", "temporal", "postgresql", "load generator"]
    print(f"\n7. CPU ms per request and process, {n} dossiers at concurrency {c}, action by action")
    print(f"  {'request':<18}" + "".join(f"{name:>15}" for name in shown) + f"{'all':>9}")
    for action, row in table.items():
        cells = "".join(f"{row.get(name, 0.0):15.1f}" for name in shown)
        print(f"  {action:<18}{cells}{sum(row[k] for k in shown):9.1f}")
    total = {name: sum(row.get(name, 0.0) for row in table.values()) for name in shown}
    cells = "".join(f"{total[name]:15.1f}" for name in shown)
    print(f"  {'lifecycle':<18}{cells}{sum(total.values()):9.1f}")


async def _open_dossiers(stack: Stack, driver: Driver, count: int, concurrency: int) -> None:
    """The worker's memory as open dossiers pile up, in ten steps: it should follow the
    sticky cache (MOTCUA_WORKER_CACHED_WORKFLOWS), not the number of open dossiers."""
    cache = os.environ.get("MOTCUA_WORKER_CACHED_WORKFLOWS", "the default")
    print(f"\n5. worker memory with open dossiers (accepted, timers pending); cache {cache}")
    print(f"  {0:>7} open: {stack.rss_mb('worker'):6.0f} MB")
    step = max(count // 10, 1)
    opened = 0
    started = time.perf_counter()
    while opened < count:
        batch = min(step, count - opened)
        await _bounded(batch, concurrency, _submit_and_accept(driver))
        opened += batch
        rate = opened / (time.perf_counter() - started)
        print(f"  {opened:>7} open: {stack.rss_mb('worker'):6.0f} MB  ({rate:.1f} opened/s)")


def _submit_and_accept(driver: Driver) -> Callable[[], Awaitable[None]]:
    async def job() -> None:
        code, _ = await driver.submit()
        headers = {"Authorization": driver.tokens["clerk.xa-vu-bon"]}
        await driver.api.post(
            f"/api/v1/dossiers/{code}/actions/accept", json=COMPLETE, headers=headers
        )

    return job


if __name__ == "__main__":
    asyncio.run(main())
