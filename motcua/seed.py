"""`motcua seed`: a realistic province of demo dossiers, driven through the real product.

DEMO MODE. Every dossier is submitted over the HTTP API at a past instant (X-Demo-Time,
accepted only with MOTCUA_DEMO_CLOCK in development) and carried by staff of its own units
through the workflow, whose back-dated clock the seeder moves forward before each action
(the `demo_clock` signal). Alarms fire as the clock passes them, so warnings, apology
letters and breaches are real events. Dossiers whose next step would fall after now are
left open, and their clock is brought to now. Each is marked demo in its snapshot.
"""

import asyncio
import contextlib
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from temporalio.client import Client
from temporalio.service import RPCError

import catalogue
from motcua.database import save_demo_staff
from motcua.demo import DEMO_PASSWORD
from motcua.settings import Settings
from motcua.temporal import connect
from schemas.lifecycle import ACTIONS, Action, Role
from schemas.procedure import ProcedureDefinition
from schemas.unit import Level
from workflows.dossier import DossierWorkflow

PROVINCE_CENTRE = "ttphcc-tinh"
_NAMES = [
    ("Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Nam", "Phạm Thu Hà", "Vũ Đức Minh"),
    ("Y Moan Niê", "H'Hen Mlô", "Y Bhim Êban", "H'Linh Niê Kdăm", "Y Sơn Byă"),
    ("Hoàng Thị Lan", "Đỗ Quang Huy", "Bùi Văn Tú", "Ngô Thị Mai", "Lò Văn Sáng"),
]
# What happens at the authority, in the order a seeded dossier takes it when allowed.
_HAPPY_PATH = [
    "transfer",
    "claim",
    "appraise",
    "forward",
    "request_payment",
    "record_payment",
    "approve",
    "mark_result_ready",
    "return_result",
]
# Staff do everything here, the counter's clerk first where a citizen could act too.
_STAFF = (Role.CLERK, Role.OFFICER, Role.LEADER)
# A one-page scan, small enough that thousands of demo papers cost nothing to keep.
DEMO_SCAN = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 52>>stream\nBT /F1 18 Tf 72 770 Td (Ban quet mau - demo) Tj ET\n"
    b"endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

_ROLE = {
    action.value: next(r.value for r in _STAFF if r in ACTIONS[action].performed_by)
    for action in Action
    if ACTIONS[action].performed_by & set(_STAFF)
}


@dataclass
class Fate:
    """What the seeder intends for one dossier; the calendar and now decide the rest."""

    kind: str  # refused, supplement, withdrawn, stalled, early, on_time, late
    channel: int


@dataclass
class Tally:
    created: int = 0
    failed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def _fate(rng: random.Random) -> Fate:
    channel = rng.choices([1, 2, 3], weights=[45, 47, 8])[0]
    kind = rng.choices(
        ["refused", "supplement", "withdrawn", "stalled", "early", "on_time", "late"],
        weights=[3, 9, 2, 6, 50, 18, 12],
    )[0]
    return Fate(kind, channel)


def _working_instant(rng: random.Random, day: datetime, before: datetime) -> datetime:
    """A weekday moment in office hours before `before`, as people come to the counter."""
    hour = rng.choice([7, 8, 9, 10, 13, 14, 15, 16])
    moment = day.replace(hour=hour, minute=rng.randrange(60), second=0, microsecond=0)
    # Today's office hour may not have come yet (seeding at 7 in the morning).
    while moment.weekday() >= 5 or moment >= before:
        moment -= timedelta(days=1)
    return moment


class Seeder:
    def __init__(
        self,
        settings: Settings,
        api: httpx.AsyncClient,
        temporal: Client,
        rng: random.Random,
        days: int,
    ) -> None:
        self._settings = settings
        self._api = api
        self._temporal = temporal
        self._rng = rng
        self._days = days
        self._tokens: dict[str, str] = {}
        self._token_lock = asyncio.Lock()
        self._tz = ZoneInfo(settings.timezone)
        self.tally = Tally()
        procedures = catalogue.load_procedures()
        self._commune_procedures = [p for p in procedures if p.level is Level.COMMUNE]
        self._province_procedures = [p for p in procedures if p.level is Level.PROVINCE]
        self._communes = [u.code for u in catalogue.load_units() if u.level is Level.COMMUNE]

    async def _token(self, username: str) -> str:
        async with self._token_lock:
            if username not in self._tokens:
                response = await self._api.post(
                    "/api/v1/auth/token",
                    data={"username": username, "password": DEMO_PASSWORD},
                )
                response.raise_for_status()
                self._tokens[username] = response.json()["access_token"]
            return self._tokens[username]

    async def _headers(self, role: str, unit: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self._token(f'{role}.{unit}')}"}

    def _submission(self, fate: Fate) -> tuple[dict[str, Any], ProcedureDefinition]:
        rng = self._rng
        commune = rng.choice(self._communes)
        if rng.random() < 0.7:
            procedure = rng.choice(self._commune_procedures)
            receiving = commune
        else:
            procedure = rng.choice(self._province_procedures or self._commune_procedures)
            receiving = PROVINCE_CENTRE
        if fate.channel not in procedure.receiving.channels:
            # Not every procedure takes every channel (a building permit: no postal filing).
            fate.channel = procedure.receiving.channels[0]
        names = rng.choice(_NAMES)
        body: dict[str, Any] = {
            "procedure_code": procedure.code,
            "receiving_unit": receiving,
            "channel": fate.channel,
            "applicant": {
                "full_name": rng.choice(names),
                "id_number": f"066{rng.randrange(10**9):09d}",
                "phone": f"09{rng.randrange(10**8):08d}",
            },
        }
        # Where the applicant lives: required wherever a commune takes part in the process.
        body["locality"] = commune
        return body, procedure

    async def _clock(self, code: str, at: datetime | None) -> None:
        handle = self._temporal.get_workflow_handle_for(DossierWorkflow.run, code)
        # A finished dossier takes no signal, and has no clock left to move.
        with contextlib.suppress(RPCError):
            await handle.signal(DossierWorkflow.demo_clock, at)

    async def _act(
        self, code: str, action: str, at: datetime, unit: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        await self._clock(code, at)
        response = await self._api.post(
            f"/api/v1/dossiers/{code}/actions/{action}",
            json=body or {},
            headers=await self._headers(_ROLE[action], unit),
        )
        if response.status_code != 200:
            raise RuntimeError(f"{code} {action}: {response.status_code} {response.text[:300]}")
        detail: dict[str, Any] = response.json()
        return detail

    async def _scan(self, code: str, counter: str, slot: int) -> None:
        headers = await self._headers("clerk", counter)
        await self._upload(f"/api/v1/dossiers/{code}/documents", headers, slot)

    async def _upload(self, url: str, headers: dict[str, str], slot: int) -> None:
        response = await self._api.post(
            url,
            data={"slot": str(slot), "form": "copy"},
            files={"files": (f"ban-quet-{slot + 1}.pdf", DEMO_SCAN, "application/pdf")},
            headers=headers,
        )
        if response.status_code != 201:
            raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")

    async def _as_citizen(
        self, code: str, secret: str, what: str, at: datetime, body: dict[str, Any]
    ) -> None:
        await self._clock(code, at)
        response = await self._api.post(
            f"/api/v1/track/{code}/{what}", json=body, headers={"X-Tracking-Secret": secret}
        )
        if response.status_code != 200:
            raise RuntimeError(f"{code} {what}: {response.status_code} {response.text[:300]}")

    async def one(self) -> None:
        rng, now = self._rng, datetime.now(UTC)
        fate = _fate(rng)
        body, procedure = self._submission(fate)
        # Two hours back at least: the counter's first answer comes up to 90 minutes later.
        submitted = _working_instant(
            rng,
            (now - timedelta(days=rng.uniform(0.2, self._days))).astimezone(self._tz),
            now - timedelta(hours=2),
        )
        headers = {"X-Demo-Time": submitted.isoformat()}
        if fate.channel != 2:
            headers |= await self._headers("clerk", body["receiving_unit"])
        response = await self._api.post("/api/v1/dossiers", json=body, headers=headers)
        if response.status_code != 201:
            raise RuntimeError(f"submit {procedure.code}: {response.status_code} {response.text}")
        receipt = response.json()
        code, secret = receipt["code"], receipt["tracking_secret"]
        self.tally.created += 1
        outcome = await self._drive(
            code, secret, fate, procedure, submitted, body["receiving_unit"], now
        )
        self.tally.outcomes[outcome] += 1

    async def _intake(
        self,
        code: str,
        secret: str,
        fate: Fate,
        procedure: ProcedureDefinition,
        t: datetime,
        counter: str,
        now: datetime,
    ) -> tuple[datetime, list[dict[str, Any]], str | None]:
        """The counter's check: scans, and a supplement asked for and brought when the
        dossier's fate has one. Answers the time reached, the checklist, and the outcome
        if the dossier stops here."""
        rng = self._rng
        # Three counters in four scan every paper they receive (indicator 4.2 counts them).
        scanned = rng.random() < 0.75
        papers = range(len(procedure.required_documents))
        if scanned:
            for slot in papers:
                await self._scan(code, counter, slot)
        received = [{"slot": slot, "state": "received", "form": "copy"} for slot in papers]
        if fate.kind == "supplement" and received:
            wanting = {"slot": 0, "state": "defective", "note": "Bản chụp mờ, không đọc được"}
            await self._act(
                code,
                "request_supplement",
                t,
                counter,
                {"checklist": [wanting, *received[1:]]},
            )
            t += timedelta(days=rng.uniform(1, 4))
            if t > now:
                await self._clock(code, None)
                return t, received, "awaiting supplement"
            await self._upload(f"/api/v1/track/{code}/documents", {"X-Tracking-Secret": secret}, 0)
            # Nothing named: the paper uploaded since the request goes with the supplement.
            await self._as_citizen(code, secret, "supplement", t, {})
            t += timedelta(minutes=rng.randint(10, 90))
            if t > now:
                await self._clock(code, None)
                return t, received, "open"
        return t, received, None

    async def _drive(
        self,
        code: str,
        secret: str,
        fate: Fate,
        procedure: ProcedureDefinition,
        t: datetime,
        counter: str,
        now: datetime,
    ) -> str:
        rng = self._rng
        t += timedelta(minutes=rng.randint(10, 90))
        if fate.kind == "refused":
            await self._act(
                code, "refuse", t, counter, {"reason": "Thủ tục không thuộc thẩm quyền"}
            )
            return "refused"
        t, received, stopped = await self._intake(code, secret, fate, procedure, t, counter, now)
        if stopped is not None:
            return stopped
        charged_at_submission = procedure.fee_at_submission and procedure.fee_vnd > 0
        if charged_at_submission:
            await self._act(
                code, "record_payment", t, counter, self._body("record_payment", procedure)
            )
        detail = await self._act(code, "accept", t, counter, {"checklist": received})
        accepted = t
        due = datetime.fromisoformat(detail["due"]["due_at"])
        if fate.kind == "withdrawn":
            t += timedelta(days=rng.uniform(0.5, 2))
            if t < now:
                await self._as_citizen(
                    code, secret, "withdraw", t, {"reason": "Công dân không còn nhu cầu"}
                )
                return "withdrawn"
        finish = {
            "early": accepted + (due - accepted) * rng.uniform(0.25, 0.8),
            "on_time": due - timedelta(hours=rng.uniform(0.5, 3)),
            "late": due + timedelta(days=rng.uniform(1, 6)),
        }.get(fate.kind, accepted + (due - accepted) * 0.5)
        steps, paid = 0, charged_at_submission
        while steps < 30:  # no catalogue process has more; a guard against a loop
            allowed = [a["action"] for a in detail["allowed_actions"]]
            if (procedure.fee_vnd == 0 or paid) and "request_payment" in allowed:
                allowed.remove("request_payment")
            action = next((a for a in _HAPPY_PATH if a in allowed), None)
            if action is None:
                break
            if fate.kind == "stalled" and action in ("appraise", "approve"):
                break
            steps += 1
            paid = paid or action == "request_payment"
            t = max(t, accepted + (finish - accepted) * min(steps / 7, 0.95))
            if action == "mark_result_ready":
                t = max(t, finish)
            elif action == "return_result":
                t = max(t, finish + timedelta(hours=rng.uniform(1, 30)))
            if t > now:
                break
            detail = await self._act(
                code, action, t, detail["holder_unit"], self._body(action, procedure)
            )
        if detail["status"]["code"] in (9, 10):
            return f"finished {fate.kind}" if fate.kind != "stalled" else "finished"
        await self._clock(code, None)
        return "open"

    def _body(self, action: str, procedure: ProcedureDefinition) -> dict[str, Any]:
        rng = self._rng
        if action == "appraise":
            return {
                "result": "sufficient",
                "findings": "Hồ sơ đủ điều kiện",
                "reason": "Hồ sơ đã đầy đủ sau bổ sung",
            }
        if action == "request_payment":
            return {
                "amount_vnd": procedure.fee_vnd or 50000,
                "description": "Lệ phí giải quyết thủ tục",
            }
        if action == "record_payment":
            method = "online" if rng.random() < 0.55 else "counter"
            return {"method": method, "reference": f"PAY-{rng.randrange(10**6):06d}"}
        if action == "approve":
            return {"decision": "grant", "decision_number": f"{rng.randint(1, 999)}/QĐ-UBND"}
        if action == "return_result":
            return {"method": "electronic" if rng.random() < 0.4 else "in_person"}
        if action == "forward":
            return {"reason": "Chuyển bước tiếp theo theo quy trình nội bộ"}
        return {}


def _progress(done: int, total: int, failed: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    bar = "█" * filled + "·" * (width - filled)
    sys.stderr.write(f"\r  [{bar}] {done}/{total} hồ sơ mẫu (lỗi: {failed})")
    sys.stderr.flush()


async def seed(
    settings: Settings,
    base_url: str,
    dossiers: int,
    *,
    days: int = 60,
    concurrency: int = 6,
    random_seed: int | None = None,
    progress: bool = True,
) -> Tally:
    """Create `dossiers` demo dossiers over the last `days` days; returns what happened."""
    await save_demo_staff(settings.resolved_database_url, DEMO_PASSWORD)
    temporal = await connect(settings)
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as api:
        seeder = Seeder(settings, api, temporal, random.Random(random_seed), days)
        queue: asyncio.Queue[int] = asyncio.Queue()
        for index in range(dossiers):
            queue.put_nowait(index)
        done = 0

        async def work() -> None:
            nonlocal done
            while not queue.empty():
                queue.get_nowait()
                try:
                    await seeder.one()
                except Exception as exc:
                    seeder.tally.failed += 1
                    seeder.tally.errors.append(str(exc))
                done += 1
                if progress:
                    _progress(done, dossiers, seeder.tally.failed)

        await asyncio.gather(*(work() for _ in range(concurrency)))
        if progress:
            sys.stderr.write("\n")
        return seeder.tally
