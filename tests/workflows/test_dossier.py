"""The dossier workflow on the real dev server, with the projection activity stood in.

The stand-in is registered under the real activity name (the samples-python idiom), so these
tests exercise the workflow's own rules; the API tests run the real activity on PostgreSQL.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from temporalio import activity
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from api.intake import start_dossier
from schemas.dossier import ActionCommand, Applicant, DossierStart, RecordEvent
from schemas.lifecycle import Action
from schemas.status import Channel, DossierStatus, SubState
from workflows.dossier import ILLEGAL_ACTION, DossierWorkflow


class RecordedEvents:
    def __init__(self) -> None:
        self.records: list[RecordEvent] = []

    @activity.defn(name="record_dossier_event")
    async def record_event(self, record: RecordEvent) -> None:
        self.records.append(record)


def _start() -> DossierStart:
    return DossierStart(
        code=f"105.00.00.H15-261122-{uuid.uuid4().int % 10_000:04d}-{uuid.uuid4().hex[:6]}",
        procedure_code="1.001193",
        procedure_version=1,
        receiving_unit="phuong-ea-kao",
        competent_authority="phuong-ea-kao",
        returning_unit="phuong-ea-kao",
        channel=Channel.IN_PERSON,
        applicant=Applicant(full_name="Y Moan Niê", id_number="066090001234", phone="0905123456"),
        submitted_at=datetime(2026, 11, 22, 2, 30, tzinfo=UTC),
        submitted_by="clerk.eakao",
    )


def _accept(actor: str = "clerk.eakao") -> ActionCommand:
    return ActionCommand(action=Action.ACCEPT, actor=actor, actor_unit="phuong-ea-kao")


@pytest.fixture
def recorded() -> RecordedEvents:
    return RecordedEvents()


@pytest.fixture
async def workflow_queue(
    temporal_client: Client, task_queue: str, recorded: RecordedEvents
) -> AsyncIterator[str]:
    async with Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[DossierWorkflow],
        activities=[recorded.record_event],
    ):
        yield task_queue


async def _handle(client: Client, start: DossierStart) -> WorkflowHandle[DossierWorkflow, object]:
    return client.get_workflow_handle_for(DossierWorkflow.run, start.code)  # type: ignore[return-value]


async def test_submission_is_recorded_before_the_start_answers(
    temporal_client: Client, workflow_queue: str, recorded: RecordedEvents
) -> None:
    start = _start()

    view = await start_dossier(temporal_client, workflow_queue, start)

    assert view.status is DossierStatus.NEW
    assert view.allowed_actions == [Action.ACCEPT]
    assert [r.event.type.value for r in recorded.records] == ["submitted"]
    first = recorded.records[0].event
    assert (first.seq, first.from_status, first.to_status) == (1, None, DossierStatus.NEW)


async def test_starting_again_finds_the_running_dossier(
    temporal_client: Client, workflow_queue: str, recorded: RecordedEvents
) -> None:
    start = _start()

    first = await start_dossier(temporal_client, workflow_queue, start)
    again = await start_dossier(temporal_client, workflow_queue, start)

    assert first == again
    assert len(recorded.records) == 1


async def test_accept_changes_status_and_records_the_transition(
    temporal_client: Client, workflow_queue: str, recorded: RecordedEvents
) -> None:
    start = _start()
    await start_dossier(temporal_client, workflow_queue, start)
    handle = await _handle(temporal_client, start)

    view = await handle.execute_update(DossierWorkflow.accept, _accept())

    assert (view.status, view.sub_state) == (DossierStatus.ACCEPTED, SubState.AWAITING_TRANSFER)
    assert view.allowed_actions == []
    record = recorded.records[-1]
    assert (record.event.from_status, record.event.to_status) == (
        DossierStatus.NEW,
        DossierStatus.ACCEPTED,
    )
    assert record.snapshot.accepted_at is not None
    assert record.event.actor == "clerk.eakao"


async def test_validator_rejects_accept_in_the_wrong_state_before_history(
    temporal_client: Client, workflow_queue: str, recorded: RecordedEvents
) -> None:
    start = _start()
    await start_dossier(temporal_client, workflow_queue, start)
    handle = await _handle(temporal_client, start)
    await handle.execute_update(DossierWorkflow.accept, _accept())

    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await handle.execute_update(DossierWorkflow.accept, _accept("clerk.other"))

    cause = failure.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == ILLEGAL_ACTION
    assert "Được tiếp nhận" in cause.message
    assert cause.details[0]["status"] == DossierStatus.ACCEPTED
    assert len(recorded.records) == 2
    history = await handle.fetch_history()
    accepted_accepts = [
        e
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
        and e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        == "accept"
    ]
    assert len(accepted_accepts) == 1  # the rejected update left no trace in history


async def test_a_new_worker_replays_the_history_and_carries_on(
    temporal_client: Client, task_queue: str, recorded: RecordedEvents
) -> None:
    start = _start()
    async with Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[DossierWorkflow],
        activities=[recorded.record_event],
    ):
        await start_dossier(temporal_client, task_queue, start)
    # No cache: every task of the new worker replays the whole history first.
    async with Worker(
        temporal_client,
        task_queue=task_queue,
        workflows=[DossierWorkflow],
        activities=[recorded.record_event],
        max_cached_workflows=0,
    ):
        handle = await _handle(temporal_client, start)
        view = await handle.execute_update(DossierWorkflow.accept, _accept())
        queried = await handle.query(DossierWorkflow.view)

    assert view.status is DossierStatus.ACCEPTED
    assert queried == view
    assert [r.event.seq for r in recorded.records] == [1, 2]
