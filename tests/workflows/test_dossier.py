"""The dossier workflow on the real dev server, with the real activities on PostgreSQL."""

import uuid
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

import catalogue
from db.models import DossierEventRow
from db.session import SessionMaker
from motcua.settings import Settings
from motcua.worker import build_worker
from schemas.actions import Acceptance, ActionCommand
from schemas.dossier import Applicant, DossierStart
from schemas.lifecycle import ILLEGAL_ACTION, Action
from schemas.status import Channel, DossierStatus, SubState
from services.intake import start_dossier
from workflows.dossier import DossierWorkflow

BIRTH = next(p for p in catalogue.load_procedures() if p.code == "1.001193")


def _start() -> DossierStart:
    return DossierStart(
        code=f"105.00.00.H15-261122-W{uuid.uuid4().hex[:8]}",
        procedure_code=BIRTH.code,
        procedure_version=BIRTH.version,
        procedure=BIRTH,
        receiving_unit="phuong-ea-kao",
        competent_authority="phuong-ea-kao",
        returning_unit="phuong-ea-kao",
        channel=Channel.IN_PERSON,
        applicant=Applicant(full_name="Y Moan Niê", id_number="066090001234", phone="0905123456"),
        submitted_at=datetime(2026, 11, 22, 2, 30, tzinfo=UTC),
        submitted_by="clerk.eakao",
    )


def _accept(actor: str = "clerk.eakao") -> Acceptance:
    return Acceptance(actor=actor, actor_unit="phuong-ea-kao")


def _handle(client: Client, start: DossierStart) -> WorkflowHandle[DossierWorkflow, object]:
    return client.get_workflow_handle_for(DossierWorkflow.run, start.code)


async def _logged(sessionmaker: SessionMaker, code: str) -> list[tuple[int, str]]:
    async with sessionmaker() as session:
        rows = await session.exec(
            select(DossierEventRow.seq, DossierEventRow.type)
            .where(DossierEventRow.dossier_code == code)
            .order_by(col(DossierEventRow.seq))
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_submission_is_recorded_before_the_start_answers(
    temporal_client: Client, worker: str, sessionmaker: SessionMaker
) -> None:
    start = _start()

    view = await start_dossier(temporal_client, worker, start)

    assert view.status is DossierStatus.NEW
    assert Action.ACCEPT in view.allowed_actions
    assert await _logged(sessionmaker, start.code) == [(1, "submitted")]


async def test_starting_again_finds_the_running_dossier(
    temporal_client: Client, worker: str, sessionmaker: SessionMaker
) -> None:
    start = _start()

    first = await start_dossier(temporal_client, worker, start)
    again = await start_dossier(temporal_client, worker, start)

    assert first == again
    assert await _logged(sessionmaker, start.code) == [(1, "submitted")]


async def test_accept_sets_the_legal_due_date_and_records_the_transition(
    temporal_client: Client, worker: str, sessionmaker: SessionMaker
) -> None:
    start = _start()
    await start_dossier(temporal_client, worker, start)

    handle = _handle(temporal_client, start)
    answer = await handle.execute_update(DossierWorkflow.accept, _accept())
    snapshot = (await handle.query(DossierWorkflow.view)).snapshot

    # The update answers slim (no snapshot into history); the query has the whole dossier.
    assert (answer.status, answer.sub_state, answer.last_seq) == (
        snapshot.status,
        snapshot.sub_state,
        snapshot.last_seq,
    )
    assert (snapshot.status, snapshot.sub_state) == (
        DossierStatus.ACCEPTED,
        SubState.AWAITING_TRANSFER,
    )
    assert snapshot.due_at is not None
    assert snapshot.due_at == snapshot.original_due_at
    assert snapshot.due_explanation_vi
    assert "trong ngày" in snapshot.due_explanation_vi
    assert answer.allowed_actions == [Action.TRANSFER, Action.WITHDRAW, Action.STOP]
    assert await _logged(sessionmaker, start.code) == [(1, "submitted"), (2, "accepted")]


async def test_validator_rejects_accept_in_the_wrong_state_before_history(
    temporal_client: Client, worker: str, sessionmaker: SessionMaker
) -> None:
    start = _start()
    await start_dossier(temporal_client, worker, start)
    handle = _handle(temporal_client, start)
    await handle.execute_update(DossierWorkflow.accept, _accept())

    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await handle.execute_update(DossierWorkflow.accept, _accept("clerk.other"))

    cause = failure.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == ILLEGAL_ACTION
    assert "Được tiếp nhận" in cause.message
    assert cause.details[0]["status"] == DossierStatus.ACCEPTED
    history = await handle.fetch_history()
    accepted_accepts = [
        e
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
        and e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        == "accept"
    ]
    assert len(accepted_accepts) == 1  # the rejected update left no trace in history
    assert len(await _logged(sessionmaker, start.code)) == 2


async def test_a_new_worker_replays_the_history_and_carries_on(
    temporal_client: Client, settings: Settings, sessionmaker: SessionMaker
) -> None:
    start = _start()
    async with build_worker(temporal_client, settings, sessionmaker):
        await start_dossier(temporal_client, settings.task_queue, start)
        await _handle(temporal_client, start).execute_update(DossierWorkflow.accept, _accept())
    async with build_worker(temporal_client, settings, sessionmaker):
        handle = _handle(temporal_client, start)
        view = await handle.execute_update(
            DossierWorkflow.transfer, ActionCommand(actor="clerk.eakao")
        )
        queried = await handle.query(DossierWorkflow.view)

    assert view.status is DossierStatus.PROCESSING
    assert (queried.status, queried.allowed_actions) == (view.status, view.allowed_actions)
    assert [seq for seq, _ in await _logged(sessionmaker, start.code)] == [1, 2, 3]
