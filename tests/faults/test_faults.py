"""Faults survived, nothing lost: a worker killed mid-lifecycle, the Temporal server
restarted, PostgreSQL stopped and started. Afterwards every dossier is complete, none is
duplicated, and the projection and the audit log agree with the workflows."""

import asyncio
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func
from sqlmodel import col, select
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import Client, WorkflowHandle

from db.models import DossierEventRow, DossierRow
from db.session import SessionMaker
from motcua.settings import Settings
from motcua.storage import content_store
from signing.pades import load_certificate_file, verify
from tests.api.test_results import issued_and_stored
from tests.factories import action_body, submission
from tests.faults.conftest import DurableServer, Workers
from workflows.dossier import DossierWorkflow

JUSTICE = {"procedure_code": "2.000488", "receiving_unit": "xa-vu-bon"}
# The justice record procedure's one paper, received at the counter.
RECEIVED = {"checklist": [{"slot": 0, "state": "received", "form": "original_seen"}]}
LIFECYCLE = ["accept", "transfer", "assign", "appraise", "approve", "mark_result_ready"]
DOSSIERS = 5


async def _submit(api: httpx.AsyncClient, key: str) -> str:
    response = await api.post(
        "/api/v1/dossiers", json=submission(**JUSTICE), headers={"Idempotency-Key": key}
    )
    assert response.status_code == 201, response.text
    code: str = response.json()["code"]
    return code


async def _act(api: httpx.AsyncClient, code: str, action: str) -> None:
    response = await api.post(
        f"/api/v1/dossiers/{code}/actions/{action}",
        json=action_body(action, **(RECEIVED if action == "accept" else {})),
        headers={"Idempotency-Key": f"{code}-{action}"},
    )
    assert response.status_code == 200, f"{code} {action}: {response.text}"


class Progress:
    """Actions done so far; `reached` is set once `threshold` of them are."""

    def __init__(self, threshold: int) -> None:
        self.done: list[str] = []
        self.threshold = threshold
        self.reached = asyncio.Event()

    def add(self, action: str) -> None:
        self.done.append(action)
        if len(self.done) >= self.threshold:
            self.reached.set()


async def _lifecycle(
    api: httpx.AsyncClient, code: str, actions: list[str], progress: Progress | None = None
) -> None:
    for action in actions:
        await _act(api, code, action)
        if progress is not None:
            progress.add(action)


async def _assert_consistent(
    sessionmaker: SessionMaker, client: Client, codes: list[str], status: int
) -> None:
    async with sessionmaker() as session:
        dossiers = (await session.exec(select(func.count()).select_from(DossierRow))).one()
        for code in codes:
            view = await client.get_workflow_handle_for(DossierWorkflow.run, code).query(
                DossierWorkflow.view
            )
            row = (await session.exec(select(DossierRow).where(DossierRow.code == code))).one()
            seqs = list(
                await session.exec(
                    select(DossierEventRow.seq)
                    .where(DossierEventRow.dossier_code == code)
                    .order_by(col(DossierEventRow.seq))
                )
            )
            assert int(view.status) == status == row.status, code
            assert row.last_seq == view.snapshot.last_seq, code
            # Every event once, none missing, none twice.
            assert seqs == list(range(1, view.snapshot.last_seq + 1)), code
    assert dossiers == len(codes)


async def test_a_worker_killed_mid_lifecycle_loses_nothing(
    fault_api: httpx.AsyncClient,
    workers: Workers,
    durable_client: Client,
    sessionmaker: SessionMaker,
    gateways: str,
) -> None:
    first = workers.start()
    codes = [await _submit(fault_api, f"fault-kill-{n}") for n in range(DOSSIERS)]
    # Killed after about one action each of thirty: well inside the lifecycles.
    progress = Progress(DOSSIERS)
    moving = [asyncio.create_task(_lifecycle(fault_api, c, LIFECYCLE, progress)) for c in codes]
    await progress.reached.wait()

    workers.kill(first)
    assert len(progress.done) < DOSSIERS * len(LIFECYCLE)
    workers.start()
    await asyncio.gather(*moving)
    again = [await _submit(fault_api, f"fault-kill-{n}") for n in range(DOSSIERS)]

    assert again == codes  # a retried submission finds its dossier
    await _assert_consistent(sessionmaker, durable_client, codes, status=9)
    # Each applicant told of the receipt and of the result, once each, across the kill.
    delivered = await _delivered_sms(gateways, 2 * DOSSIERS)
    assert sorted(Counter(d["text"].split()[2] for d in delivered).values()) == [2] * DOSSIERS


async def test_the_temporal_server_restarts_and_every_dossier_carries_on(
    fault_api: httpx.AsyncClient,
    workers: Workers,
    durable: DurableServer,
    durable_client: Client,
    sessionmaker: SessionMaker,
) -> None:
    workers.start()
    codes = [await _submit(fault_api, f"fault-restart-{n}") for n in range(DOSSIERS)]
    await asyncio.gather(*(_lifecycle(fault_api, c, LIFECYCLE[:3]) for c in codes))

    await durable.stop()
    await durable.start()
    await asyncio.gather(*(_lifecycle(fault_api, c, LIFECYCLE[3:]) for c in codes))

    await _assert_consistent(sessionmaker, durable_client, codes, status=9)


async def test_postgresql_stopped_while_dossiers_move_loses_nothing(
    fault_api: httpx.AsyncClient,
    workers: Workers,
    durable_client: Client,
    sessionmaker: SessionMaker,
) -> None:
    workers.start()
    codes = [await _submit(fault_api, f"fault-pg-{n}") for n in range(DOSSIERS)]
    await asyncio.gather(*(_lifecycle(fault_api, c, LIFECYCLE[:2]) for c in codes))
    # Updates go straight to the workflows; their projection activities meet a dead database.
    handles = [durable_client.get_workflow_handle_for(DossierWorkflow.run, c) for c in codes]
    await _postgres("stop")
    try:
        moving = [
            asyncio.create_task(_assign_directly(handle, code))
            for handle, code in zip(handles, codes, strict=True)
        ]
        # A person reading a dossier meanwhile is asked to try again, not shown a 500.
        away = await fault_api.get(f"/api/v1/dossiers/{codes[0]}")
        assert away.status_code == 503, away.text
        assert away.json()["detail"]["code"] == "database_unavailable"
        assert away.headers["Retry-After"] == "5"
        await asyncio.sleep(4)
        assert not any(task.done() for task in moving)  # waiting for the projection
    finally:
        await _postgres("start")
    await asyncio.gather(*moving)
    await asyncio.gather(*(_lifecycle(fault_api, c, LIFECYCLE[3:]) for c in codes))

    await _assert_consistent(sessionmaker, durable_client, codes, status=9)


async def _assign_directly(handle: object, code: str) -> None:
    from schemas.actions import Assignment

    command = Assignment(actor="leader.so-tu-phap", actor_unit="so-tu-phap", officer="officer.a")
    await handle.execute_update(DossierWorkflow.assign, command)  # type: ignore[attr-defined]


def _cluster_version() -> str:
    return sorted(Path("/etc/postgresql").iterdir(), key=lambda p: p.name)[-1].name


async def _postgres(action: str) -> None:
    version = _cluster_version()
    await asyncio.to_thread(
        subprocess.run,
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action, "-m", "fast"]
        if action == "stop"
        else ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
        check=True,
    )
    if action == "start":
        for _ in range(100):
            ready = await asyncio.to_thread(
                subprocess.run, ["pg_isready", "-h", "127.0.0.1", "-q"], check=False
            )
            if ready.returncode == 0:
                return
            await asyncio.sleep(0.2)


async def test_a_worker_killed_while_signing_leaves_exactly_one_signed_result(
    fault_api: httpx.AsyncClient,
    workers: Workers,
    durable_client: Client,
    sessionmaker: SessionMaker,
    fault_settings: Settings,
) -> None:
    first = workers.start()
    code = await _submit(fault_api, "fault-sign")
    await _lifecycle(fault_api, code, ["accept", "transfer", "assign", "appraise"])
    handle = durable_client.get_workflow_handle(code)
    approving = asyncio.create_task(_act(fault_api, code, "approve"))

    # Killed once the signing step has started on the worker: typesetting, signing or
    # storing, whichever it was in.
    attempt = await _signing_started(handle)
    workers.kill(first)
    assert attempt == 1
    workers.start()
    await approving

    issued, stored = await issued_and_stored(sessionmaker, code)
    async with sessionmaker() as session:
        approvals = (
            await session.exec(
                select(func.count())
                .select_from(DossierEventRow)
                .where(DossierEventRow.dossier_code == code, DossierEventRow.type == "approved")
            )
        ).one()
    assert len(issued) == 1
    assert [d.id for d in stored] == [issued[0].document_id]
    assert approvals == 1
    content = b"".join(
        [piece async for piece in content_store(fault_settings).read(issued[0].sha256)]
    )
    roots = load_certificate_file(Path(fault_settings.signing_trust_roots))
    verdicts = await verify(content, roots)
    # The leader's signature and the seal, each once, both good.
    assert [v.good for v in verdicts] == [True, True]
    # The step ran again on the second worker: the kill landed inside it.
    history = await handle.fetch_history()
    started = [
        e.activity_task_started_event_attributes.attempt
        for e in history.events
        if e.HasField("activity_task_started_event_attributes")
    ]
    assert started[-1] >= 2
    await _assert_consistent(sessionmaker, durable_client, [code], status=4)


async def _delivered_sms(gateways: str, count: int) -> list[dict[str, Any]]:
    """What the SMS gateway received, once `count` messages have arrived (or a while)."""
    delivered: list[dict[str, Any]] = []
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            every = (await client.get(f"{gateways}/received")).json()["delivered"]
            delivered = [d for d in every if d["channel"] == "sms"]
            if len(delivered) >= count:
                break
            await asyncio.sleep(0.1)
    # A little longer, for a message sent twice to show itself.
    await asyncio.sleep(0.5)
    async with httpx.AsyncClient() as client:
        every = (await client.get(f"{gateways}/received")).json()["delivered"]
    return [d for d in every if d["channel"] == "sms"]


async def _signing_started(handle: WorkflowHandle[Any, Any]) -> int:
    """The attempt of the signing step once a worker has picked it up."""
    for _ in range(600):
        description = await handle.describe()
        for pending in description.raw_description.pending_activities:
            if (
                pending.activity_type.name == "sign_result"
                and pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
            ):
                return int(pending.attempt)
        await asyncio.sleep(0.01)
    raise AssertionError("the signing step never started")
