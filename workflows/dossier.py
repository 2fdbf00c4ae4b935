"""The life of one dossier, from submission to the returned result (Decree 118/2025).

Every clerk or citizen action arrives as an Update whose validator consults the lifecycle
table in `schemas.lifecycle`; an illegal action is rejected before it reaches history.
State changes happen before the first `await` of a handler, so a second update that
arrives while the first is persisting is validated against the new state.
"""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.projection import ProjectionActivities
    from schemas.dossier import (
        ActionCommand,
        DossierEvent,
        DossierSnapshot,
        DossierStart,
        DossierView,
        EventType,
        RecordEvent,
    )
    from schemas.lifecycle import Action, allowed_actions, refusal
    from schemas.status import DossierStatus, SubState

ILLEGAL_ACTION = "IllegalAction"

# A database outage delays the projection; it must never lose an event, so retries go on.
_PERSIST_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
)


@workflow.defn
class DossierWorkflow:
    @workflow.init
    def __init__(self, start: DossierStart) -> None:
        self._dossier = start
        self._snapshot = DossierSnapshot(
            status=DossierStatus.NEW, sub_state=SubState.AWAITING_RECEIPT
        )
        self._persisted_seq = 0
        self._persist_lock = asyncio.Lock()

    @workflow.run
    async def run(self, start: DossierStart) -> DossierView:
        await self._receive()
        await workflow.wait_condition(
            lambda: self._snapshot.status.is_terminal and workflow.all_handlers_finished()
        )
        return self.view()

    async def _receive(self) -> None:
        event = self._transition(
            EventType.SUBMITTED,
            DossierStatus.NEW,
            SubState.AWAITING_RECEIPT,
            actor=self._dossier.submitted_by,
            actor_unit=self._dossier.receiving_unit,
            reason=self._dossier.note,
            data={"channel": int(self._dossier.channel)},
        )
        await self._persist(event)

    @workflow.update
    async def registered(self) -> DossierView:
        """Answers once the submission is in the audit log: the API's update-with-start."""
        await workflow.wait_condition(lambda: self._persisted_seq >= 1)
        return self.view()

    @workflow.update
    async def accept(self, command: ActionCommand) -> DossierView:
        event = self._transition(
            EventType.ACCEPTED,
            DossierStatus.ACCEPTED,
            SubState.AWAITING_TRANSFER,
            actor=command.actor,
            actor_unit=command.actor_unit,
            reason=command.reason,
            accepted_at=workflow.now(),
        )
        await self._persist(event)
        return self.view()

    @accept.validator
    def _validate_accept(self, command: ActionCommand) -> None:
        self._require(Action.ACCEPT, command)

    @workflow.query
    def view(self) -> DossierView:
        return DossierView(
            code=self._dossier.code,
            status=self._snapshot.status,
            sub_state=self._snapshot.sub_state,
            allowed_actions=allowed_actions(self._snapshot.status, self._snapshot.sub_state),
            last_seq=self._snapshot.last_seq,
        )

    def _require(self, action: Action, command: ActionCommand) -> None:
        if command.action is not action:
            raise ApplicationError(
                f"Update '{action.value}' received a command for '{command.action.value}'",
                type=ILLEGAL_ACTION,
                non_retryable=True,
            )
        why = refusal(action, self._snapshot.status, self._snapshot.sub_state)
        if why is not None:
            raise ApplicationError(
                why.message_vi,
                why.model_dump(mode="json"),
                type=ILLEGAL_ACTION,
                non_retryable=True,
            )

    def _transition(
        self,
        event_type: EventType,
        to_status: DossierStatus,
        sub_state: SubState,
        *,
        actor: str,
        actor_unit: str,
        reason: str | None,
        data: dict[str, object] | None = None,
        **changes: object,
    ) -> RecordEvent:
        seq = self._snapshot.last_seq + 1
        event = DossierEvent(
            dossier_code=self._dossier.code,
            seq=seq,
            type=event_type,
            at=workflow.now(),
            actor=actor,
            actor_unit=actor_unit,
            from_status=None if seq == 1 else self._snapshot.status,
            to_status=to_status,
            sub_state=sub_state,
            reason=reason,
            data=data or {},
        )
        self._snapshot = self._snapshot.model_copy(
            update={"status": to_status, "sub_state": sub_state, "last_seq": seq, **changes}
        )
        return RecordEvent(dossier=self._dossier, snapshot=self._snapshot, event=event)

    async def _persist(self, record: RecordEvent) -> None:
        # One writer at a time keeps the log's rows in sequence order.
        async with self._persist_lock:
            await workflow.execute_activity_method(
                ProjectionActivities.record_event,
                record,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=_PERSIST_RETRY,
            )
            self._persisted_seq = record.event.seq
