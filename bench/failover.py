"""What a lost worker costs the clerks: two workers, one killed, each dossier acted on again.

    .venv/bin/python -m bench.failover [--dossiers 40] [--sticky 5]

Starts the stack of the load benchmark (dev server, API) with two `motcua worker`
processes, takes N dossiers through accept (so both workers hold some in their sticky
cache), SIGKILLs one worker, and at once transfers every dossier, timing each Update. A
dossier the dead worker held waits until its sticky queue gives up
(MOTCUA_WORKER_STICKY_SECONDS) and the other worker replays it. Prints p50/p90/max.
"""

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.load import COMPLETE, DEMO_PASSWORD, Driver
from bench.queues import fresh_database
from bench.stack import DATABASE, Stack
from motcua.database import save_demo_staff


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=40)
    parser.add_argument("--sticky", type=float, default=5.0, help="MOTCUA_WORKER_STICKY_SECONDS")
    args = parser.parse_args()
    await fresh_database(DATABASE)
    await save_demo_staff(DATABASE, DEMO_PASSWORD)
    os.environ["MOTCUA_WORKER_STICKY_SECONDS"] = str(args.sticky)
    with tempfile.TemporaryDirectory() as workdir:
        stack = Stack(Path(workdir))
        stack.env["MOTCUA_WORKER_STICKY_SECONDS"] = str(args.sticky)
        stack.start()
        stack.processes["worker-2"] = subprocess.Popen(  # noqa: ASYNC220 (a benchmark)
            [sys.executable, "-m", "motcua", "worker"], env=stack.env
        )
        try:
            await _measure(stack, args.dossiers, args.sticky)
        finally:
            stack.stop()


async def _measure(stack: Stack, count: int, sticky: float) -> None:
    base = f"http://127.0.0.1:{stack.api_port}"
    async with httpx.AsyncClient(base_url=base, timeout=120) as api:
        driver = Driver(api)
        await driver.sign_in()
        await asyncio.sleep(3)  # both workers polling
        codes = []
        for _ in range(count):
            code, _ = await driver.submit()
            await driver._timed(
                "accept",
                lambda c=code: api.post(
                    f"/api/v1/dossiers/{c}/actions/accept",
                    json=COMPLETE,
                    headers={"Authorization": driver.tokens["clerk.xa-vu-bon"]},
                ),
            )
            codes.append(code)
        stack.processes["worker"].send_signal(signal.SIGKILL)
        stack.processes["worker"].wait()
        killed_at = time.perf_counter()

        async def transfer(code: str) -> float:
            started = time.perf_counter()
            response = await api.post(
                f"/api/v1/dossiers/{code}/actions/transfer",
                json={},
                headers={"Authorization": driver.tokens["clerk.xa-vu-bon"]},
            )
            response.raise_for_status()
            return time.perf_counter() - started

        waits = sorted(await asyncio.gather(*(transfer(code) for code in codes)))
        total = time.perf_counter() - killed_at
    q = statistics.quantiles(waits, n=10)
    print(
        f"sticky {sticky:g} s, {count} dossiers, one of two workers SIGKILLed: transfer "
        f"p50 {q[4]:.2f} s, p90 {q[8]:.2f} s, max {waits[-1]:.2f} s; all done {total:.2f} s "
        "after the kill"
    )


if __name__ == "__main__":
    asyncio.run(main())
