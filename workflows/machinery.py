"""The machinery under the dossier workflow: transitions, the audit log, clocks and forms.

`DossierWorkflow` reads like the legal process; this base class holds what every step
shares, so that no handler writes to the log, the clocks or the forms in its own way.
"""

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.calendar import CalendarActivities
    from activities.forms import FormActivities
    from activities.projection import ProjectionActivities
    from schemas.actions import ActionCommand
    from schemas.calendar import DueRequest, DueResult, ShiftRequest
    from schemas.dossier import (
        Consultation,
        DossierEvent,
        DossierSnapshot,
        DossierStart,
        EventType,
        FormKind,
        FormRequest,
        Handover,
        RecordEvent,
    )
    from schemas.lifecycle import Action, LifecycleState, refusal
    from schemas.procedure import TimeLimit, TimeUnit
    from schemas.status import DossierStatus as S
    from schemas.status import SubState as T
    from workflows.consultation import (
        ConsultationOutcome,
        ConsultationTask,
        ConsultationWorkflow,
    )

ILLEGAL_ACTION = "IllegalAction"

# A database outage delays the projection; it must never lose an event, so retries go on.
_RETRY_FOREVER = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
)
_ACTIVITY_TIMEOUT = timedelta(seconds=60)


class DossierMachinery:
    _dossier: DossierStart
    _s: DossierSnapshot
    _persisted_seq: int
    _persist_lock: asyncio.Lock
    _consultation_tasks: list[asyncio.Task[None]]

    def _start_machinery(self, start: DossierStart) -> None:
        self._dossier = start
        self._s = DossierSnapshot(
            status=S.NEW, sub_state=T.AWAITING_RECEIPT, holder_unit=start.receiving_unit
        )
        self._persisted_seq = 0
        self._persist_lock = asyncio.Lock()
        self._consultation_tasks = []

    def _lifecycle(self) -> LifecycleState:
        return LifecycleState(
            status=self._s.status,
            sub_state=self._s.sub_state,
            decision_issued=self._s.decision is not None,
        )

    def _reject(self, message_vi: str, message_en: str) -> None:
        raise ApplicationError(
            message_vi,
            {
                "message_en": message_en,
                "status": int(self._s.status),
                "sub_state": self._s.sub_state.value,
            },
            type=ILLEGAL_ACTION,
            non_retryable=True,
        )

    def _require(self, action: Action, command: ActionCommand | None = None) -> None:
        why = refusal(action, self._lifecycle())
        if why is not None:
            raise ApplicationError(
                why.message_vi, why.model_dump(mode="json"), type=ILLEGAL_ACTION, non_retryable=True
            )
        needs_reason = action in (Action.REQUEST_SUPPLEMENT, Action.APPRAISE)
        repeated = needs_reason and self._s.supplement_requests >= 1
        # Guidance must be given once; a second request needs an explicit reason.
        if repeated and command is not None and not command.reason:
            self._reject(
                "Hồ sơ đã được yêu cầu bổ sung một lần; yêu cầu lần hai phải nêu lý do "
                "(reason) và hồ sơ sẽ bị tính là trễ hạn.",
                "A supplement was already requested once; a second request needs a reason "
                "and counts the dossier as late.",
            )

    def _ask_for_supplement(
        self,
        command: ActionCommand,
        missing: list[str],
        supplement_due: DueResult | None,
        *,
        origin: str,
        data: Mapping[str, Any] | None = None,
    ) -> RecordEvent:
        self._s.supplement_requests += 1
        self._s.late_by_rule = self._s.late_by_rule or self._s.supplement_requests > 1
        self._s.supplement_origin = origin
        self._s.supplement_due_at = None if supplement_due is None else supplement_due.due_at
        return self._transition(
            EventType.SUPPLEMENT_REQUESTED,
            S.SUPPLEMENT_REQUESTED,
            T.AWAITING_SUPPLEMENT,
            command,
            data={
                **(data or {}),
                "missing_documents": missing,
                "origin": origin,
                "request_number": self._s.supplement_requests,
                "late_by_rule": self._s.late_by_rule,
                "respond_by": None if supplement_due is None else supplement_due.due_at.isoformat(),
            },
            handover_to=self._dossier.receiving_unit,
        )

    def _transition(
        self,
        event_type: EventType,
        to_status: S,
        sub_state: T,
        command: ActionCommand,
        *,
        data: Mapping[str, Any] | None = None,
        handover_to: str | None = None,
    ) -> RecordEvent:
        seq = self._s.last_seq + 1
        handover = None
        if handover_to is not None and handover_to != self._s.holder_unit:
            handover = Handover(from_unit=self._s.holder_unit, to_unit=handover_to)
            self._s.holder_unit = handover_to
        event = DossierEvent(
            dossier_code=self._dossier.code,
            seq=seq,
            type=event_type,
            at=workflow.now(),
            actor=command.actor,
            actor_unit=command.actor_unit or self._s.holder_unit,
            from_status=None if seq == 1 else self._s.status,
            to_status=to_status,
            sub_state=sub_state,
            reason=command.reason,
            data=data or {},
            handover=handover,
        )
        self._s.status, self._s.sub_state, self._s.last_seq = to_status, sub_state, seq
        return RecordEvent(
            dossier=self._dossier, snapshot=self._s.model_copy(deep=True), event=event
        )

    async def _persist(self, record: RecordEvent) -> None:
        # FIFO lock: events reach the log in sequence order.
        async with self._persist_lock:
            await workflow.execute_activity_method(
                ProjectionActivities.record_event,
                record,
                start_to_close_timeout=_ACTIVITY_TIMEOUT,
                retry_policy=_RETRY_FOREVER,
            )
            self._persisted_seq = record.event.seq

    async def _issue(self, form: FormKind, record: RecordEvent, details: dict[str, object]) -> None:
        await workflow.execute_activity_method(
            FormActivities.render_form,
            FormRequest(
                form=form,
                dossier=self._dossier,
                snapshot=record.snapshot,
                event=record.event,
                details=details,
            ),
            start_to_close_timeout=_ACTIVITY_TIMEOUT,
            retry_policy=_RETRY_FOREVER,
        )

    async def _due(self, start: datetime, limit: TimeLimit) -> DueResult:
        return await workflow.execute_activity_method(
            CalendarActivities.compute_due,
            DueRequest(start=start, time_limit=limit),
            start_to_close_timeout=_ACTIVITY_TIMEOUT,
            retry_policy=_RETRY_FOREVER,
        )

    async def _supplement_due(self, days: int | None) -> DueResult | None:
        if days is None:
            return None
        return await self._due(workflow.now(), TimeLimit(value=days, unit=TimeUnit.WORKING_DAYS))

    async def _resume_clock(self) -> DueResult | None:
        """Close the open pause and move the due date by the working time it lasted."""
        if not self._s.is_paused or self._s.due_at is None:
            return None
        pause = self._s.pauses[-1]
        shifted = await workflow.execute_activity_method(
            CalendarActivities.shift_due,
            ShiftRequest(
                due_at=self._s.due_at, paused_from=pause.started_at, paused_to=workflow.now()
            ),
            start_to_close_timeout=_ACTIVITY_TIMEOUT,
            retry_policy=_RETRY_FOREVER,
        )
        pause.ended_at = workflow.now()
        return shifted

    def _set_due(self, due: DueResult, *, original: bool = False) -> None:
        self._s.due_at = due.due_at
        self._s.due_explanation_vi, self._s.due_explanation_en = (
            due.explanation_vi,
            due.explanation_en,
        )
        if original:
            self._s.original_due_at = due.due_at

    def _open_consultation(self, unit: str) -> Consultation | None:
        return next((c for c in self._s.consultations if c.unit == unit and c.is_open), None)

    def _consultation_id(self, consultation: Consultation) -> str:
        number = self._s.consultations.index(consultation) + 1
        return f"{self._dossier.code}/consultation-{number}-{consultation.unit}"

    def _start_consultations(self, count: int) -> None:
        for consultation in self._s.consultations[-count:]:
            # Background tasks are deterministic in workflow code; each records its outcome.
            self._consultation_tasks.append(
                asyncio.create_task(self._await_consultation(consultation))
            )

    async def _await_consultation(self, consultation: Consultation) -> None:
        outcome: ConsultationOutcome = await workflow.execute_child_workflow(
            ConsultationWorkflow.run,
            ConsultationTask(
                dossier_code=self._dossier.code,
                unit=consultation.unit,
                question=consultation.question,
                due_at=consultation.due_at,
            ),
            id=self._consultation_id(consultation),
        )
        consultation.expired = outcome.expired
        consultation.answered_at = outcome.answered_at
        if outcome.reply is not None:
            consultation.agrees, consultation.opinion = outcome.reply.agrees, outcome.reply.opinion
        actor = outcome.reply.actor if outcome.reply else "system"
        # The last answer sends the dossier back to its officer; if the dossier moved on
        # meanwhile (withdrawn, stopped), the answer is recorded and the state kept.
        to_sub_state = self._s.sub_state
        if (self._s.status, self._s.sub_state) == (S.PROCESSING, T.IN_CONSULTATION) and not any(
            c.is_open for c in self._s.consultations
        ):
            to_sub_state = T.IN_APPRAISAL
        record = self._transition(
            EventType.CONSULTATION_EXPIRED if outcome.expired else EventType.CONSULTATION_ANSWERED,
            self._s.status,
            to_sub_state,
            ActionCommand(
                actor=actor,
                actor_unit=consultation.unit,
                reason=None if outcome.reply is None else outcome.reply.opinion,
            ),
            data={
                "unit": consultation.unit,
                "agrees": None if outcome.reply is None else outcome.reply.agrees,
            },
        )
        await self._persist(record)
