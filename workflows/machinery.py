"""The machinery under the dossier workflow: transitions, the audit log, clocks and forms.

`DossierWorkflow` reads like the legal process; this base class holds what every step
shares, so that no handler writes to the log, the clocks or the forms in its own way.
"""

import asyncio
import inspect
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

from activities.deadlines import DeadlineActivities
from activities.forms import FormActivities
from activities.projection import ProjectionActivities
from schemas.actions import ActionCommand, Appraisal, AppraisalResult
from schemas.calendar import DueRequest, DueResult
from schemas.deadlines import ClockRequest, ClockResult, NotificationRequest
from schemas.dossier import (
    ActionAnswer,
    Consultation,
    DossierEvent,
    DossierFacts,
    DossierSnapshot,
    DossierStart,
    DossierView,
    EventType,
    FormKind,
    Handover,
)
from schemas.lifecycle import (
    ILLEGAL_ACTION,
    Action,
    LifecycleState,
    allowed_actions,
    refusal,
    unreasoned_repeat,
)
from schemas.procedure import Step, StepRole, TimeLimit, TimeUnit
from schemas.records import FormIssue, FormRequest, RecordEvent
from schemas.status import DossierStatus as S
from schemas.status import SubState as T
from schemas.unit import Level
from workflows.consultation import (
    ConsultationOutcome,
    ConsultationTask,
    ConsultationWorkflow,
)
from workflows.patches import LOCAL_ACTIVITIES

# A database outage delays the projection; it must never lose an event, so retries go on.
_RETRY_FOREVER = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
)
_ACTIVITY_TIMEOUT = timedelta(seconds=60)
_FACTS = set(DossierFacts.model_fields)


def rule(action: Action, update: Any) -> Any:  # Any: each update has its own command type
    """A validator that only asks the lifecycle table.

    Temporal requires a validator's parameters to match its update's exactly, so the
    validator takes on the update's signature.
    """

    def validate(dossier: Any, command: Any) -> None:
        dossier._require(action, command)

    validate.__signature__ = inspect.signature(update)  # type: ignore[attr-defined]
    return validate


class DossierMachinery:
    _dossier: DossierStart
    _facts: DossierFacts
    _s: DossierSnapshot
    _persisted_seq: int
    _persist_lock: asyncio.Lock
    _consultation_tasks: list[asyncio.Task[None]]
    _consultation_children: dict[str, workflow.ChildWorkflowHandle[Any, ConsultationOutcome]]
    # Set by every state change so the deadline watcher re-plans its next timer.
    _wake: bool
    _demo_offset: timedelta

    def _start_machinery(self, start: DossierStart) -> None:
        self._dossier = start
        self._facts = DossierFacts.model_validate(start.model_dump(include=_FACTS))
        self._s = DossierSnapshot(
            status=S.NEW, sub_state=T.AWAITING_RECEIPT, holder_unit=start.receiving_unit
        )
        self._persisted_seq = 0
        self._persist_lock = asyncio.Lock()
        self._consultation_tasks = []
        self._consultation_children = {}
        self._wake = False
        self._demo_offset = timedelta(0)
        if start.demo_at is not None:
            self._demo_offset = max(workflow.now() - start.demo_at, timedelta(0))
            self._s.demo = True

    def _now(self) -> datetime:
        """The dossier's time: the server's, except for a demo dossier's back-dated clock."""
        return workflow.now() - self._demo_offset

    def _answer(self) -> ActionAnswer:
        return ActionAnswer(
            code=self._dossier.code,
            status=self._s.status,
            sub_state=self._s.sub_state,
            last_seq=self._s.last_seq,
            allowed_actions=allowed_actions(self._lifecycle()),
        )

    def _view(self) -> DossierView:
        return DossierView(
            code=self._dossier.code,
            snapshot=self._s,
            allowed_actions=allowed_actions(self._lifecycle()),
        )

    def _lifecycle(self) -> LifecycleState:
        return LifecycleState(
            status=self._s.status,
            sub_state=self._s.sub_state,
            decision_issued=self._s.decision is not None,
            extension_drafted=self._s.extension_draft is not None,
            verification_pauses_clock="external_verification"
            in self._dossier.procedure.pauses_allowed,
            has_next_step=self._next_route_step() is not None,
            supplement_requests=self._s.supplement_requests,
            fee_paid=self._s.paid_at is not None,
        )

    # --- The procedure's internal process, step by step across units --------------------

    def _route_unit(self, step: Step) -> str:
        if step.unit is not None:
            return step.unit
        if step.level is Level.COMMUNE and self._dossier.locality is not None:
            return self._dossier.locality
        return self._dossier.competent_authority

    def _next_route_step(self) -> int | None:
        """The next step that hands the dossier to a unit, if the process has one.

        Counter steps end the route (the result goes back); the competent authority's own
        signing step is the `approve` action, not a hand-over.
        """
        steps = self._dossier.procedure.steps
        if self._s.step_index == 0:
            return None  # not yet at the authority
        for index in range(self._s.step_index + 1, len(steps)):
            step = steps[index]
            if step.role == StepRole.CLERK:
                return None
            own_signature = (
                step.role == StepRole.LEADER
                and self._route_unit(step) == self._dossier.competent_authority
            )
            if not own_signature:
                return index
        return None

    def _first_authority_step(self) -> int:
        steps = self._dossier.procedure.steps
        return next((i for i, s in enumerate(steps) if s.role != StepRole.CLERK), 0)

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
        if command is None:
            return
        asks = action is Action.REQUEST_SUPPLEMENT or (
            isinstance(command, Appraisal) and command.result is AppraisalResult.INSUFFICIENT
        )
        repeat = unreasoned_repeat(
            action, self._lifecycle(), asks_supplement=asks, reason=command.reason
        )
        if repeat is not None:
            self._reject(*repeat)

    def _ask_for_supplement(
        self,
        command: ActionCommand,
        missing: list[str],
        *,
        origin: str,
        data: Mapping[str, Any] | None = None,
    ) -> DossierEvent:
        self._s.supplement_requests += 1
        self._s.late_by_rule = self._s.late_by_rule or self._s.supplement_requests > 1
        self._s.supplement_origin = origin
        self._s.supplement_due_at = None
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
    ) -> DossierEvent:
        """Change state now, without awaiting: the next validator already sees it."""
        seq = self._s.last_seq + 1
        handover = None
        if handover_to is not None and handover_to != self._s.holder_unit:
            handover = Handover(from_unit=self._s.holder_unit, to_unit=handover_to)
            self._s.holder_unit = handover_to
        event = DossierEvent(
            dossier_code=self._dossier.code,
            seq=seq,
            type=event_type,
            at=self._now(),
            actor=command.actor,
            actor_unit=command.actor_unit or self._s.holder_unit,
            from_status=None if seq == 1 else self._s.status,
            to_status=to_status,
            sub_state=sub_state,
            reason=command.reason,
            data=dict(data or {}),
            handover=handover,
        )
        self._s.status, self._s.sub_state, self._s.last_seq = to_status, sub_state, seq
        if to_status.ends_processing and self._s.finished_at is None:
            self._s.finished_at = self._now()
        self._wake = True
        return event

    async def _persist(
        self,
        event: DossierEvent,
        notification: NotificationRequest | None = None,
        *,
        replan: ClockRequest | None = None,
        form: FormIssue | None = None,
    ) -> ClockResult | None:
        """Log the event; the same step plans the dates again (`replan`, answered with the
        plan) and issues a form where asked."""
        # FIFO lock: events reach the log in sequence order. The snapshot is taken when the
        # lock is ours, so the projection gets everything decided up to now.
        async with self._persist_lock:
            record = RecordEvent(
                dossier=self._facts,
                snapshot=self._s.model_copy(deep=True),
                event=event,
                notification=notification,
                replan=replan,
                form=form,
            )
            planned: ClockResult | None = await self._activity(
                ProjectionActivities.record_event, record
            )
            self._persisted_seq = event.seq
            return planned

    async def _issue(self, form: FormKind, event: DossierEvent, details: dict[str, Any]) -> None:
        request = FormRequest(
            form=form,
            dossier=self._dossier,
            snapshot=self._s.model_copy(deep=True),
            event=event,
            details=details,
        )
        await self._activity(FormActivities.render_form, request)

    async def _activity(self, method: Any, argument: Any) -> Any:
        """Run one of the dossier's own short steps: the log, the clocks, the forms.

        They run as local activities, inside the worker's workflow task: one marker in
        history instead of three events and two trips through the server's task queues,
        which was most of the server's work per action (bench/README). Dossiers started
        before that change carry no patch marker and replay on regular activities.
        """
        if workflow.patched(LOCAL_ACTIVITIES):
            return await workflow.execute_local_activity_method(
                method,
                argument,
                start_to_close_timeout=_ACTIVITY_TIMEOUT,
                retry_policy=_RETRY_FOREVER,
            )
        return await self._remote_activity(method, argument)

    async def _remote_activity(self, method: Any, argument: Any) -> Any:
        return await workflow.execute_activity_method(
            method,
            argument,
            start_to_close_timeout=_ACTIVITY_TIMEOUT,
            retry_policy=_RETRY_FOREVER,
        )

    async def _working_days_from_now(self, days: float) -> DueResult:
        request = DueRequest(
            start=self._now(), time_limit=TimeLimit(value=days, unit=TimeUnit.WORKING_DAYS)
        )
        result: DueResult = await self._activity(DeadlineActivities.compute_due, request)
        return result

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
        child = await workflow.start_child_workflow(
            ConsultationWorkflow.run,
            ConsultationTask(
                dossier_code=self._dossier.code,
                unit=consultation.unit,
                question=consultation.question,
                due_at=consultation.due_at,
            ),
            id=self._consultation_id(consultation),
        )
        # An answer can only be signalled to a child the server has started.
        self._consultation_children[child.id] = child
        outcome: ConsultationOutcome = await child
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
        event = self._transition(
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
        await self._persist(event)
