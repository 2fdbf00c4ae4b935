"""A dossier's clocks and alarms inside its workflow: one updatable timer for what comes next.

The legal clock, the current step's clock and the citizen's supplement deadline are planned
by an activity from the dossier's facts (start, pauses, extensions, calendar); the workflow
keeps the plan and sleeps until its next instant. Any change (an action, a pause, a calendar
override, a bulk suspension) wakes it, and it sets a new timer when that instant moved.
Fired rungs are part of the workflow's state, so each fires once, across worker restarts
and replays.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from temporalio import workflow

from activities.deadlines import DeadlineActivities
from activities.notifications import NotificationActivities
from schemas.actions import ActionCommand
from schemas.deadlines import ClockRequest, ClockResult, NotificationRequest
from schemas.dossier import Alarm, DossierEvent, EventType, FormKind
from schemas.escalation import RungAction
from schemas.lifecycle import Role
from schemas.records import FormIssue, stamp_due, take_plan
from schemas.status import DossierStatus as S
from schemas.status import SubState as T
from workflows.machinery import DossierMachinery
from workflows.patches import AT_ONCE, KEEP_TIMER, LOG_EVERY_DATE, ONE_STEP, OUTBOX

SYSTEM = ActionCommand(actor="system")
# The legal clock runs while the dossier is accepted and at the authority, unpaused.
_CLOCK_RUNS = (S.ACCEPTED, S.PROCESSING, S.FINANCIAL_OBLIGATION)
_ALARM_EVENTS = {
    RungAction.REMIND_OFFICER: EventType.DEADLINE_WARNING,
    RungAction.NOTIFY_UNIT_HEAD: EventType.DEADLINE_WARNING,
    RungAction.REQUIRE_APOLOGY: EventType.APOLOGY_REQUIRED,
    RungAction.BREACH: EventType.DEADLINE_BREACHED,
}


class ClockMixin(DossierMachinery):
    async def _watch_deadlines(self) -> None:
        """The workflow's main loop: sleep until the next deadline or any change."""
        while not self._s.status.is_terminal:
            deadline = self._next_deadline()
            self._wake = False
            if deadline is not None and deadline[0] <= self._now() and workflow.patched(AT_ONCE):
                # Already due (a calendar change, a demo clock moved on): fire in this
                # task rather than through a timer of a millisecond and one more task.
                await self._on_deadline(deadline[1])
                continue
            timeout = None
            if deadline is not None:
                # Dossiers from before the AT_ONCE patch: a date already past fires
                # through a timer of a millisecond.
                timeout = max((deadline[0] - self._now()).total_seconds(), 0.001)
            changed = self._changed(deadline, keep_timer=workflow.patched(KEEP_TIMER))
            try:
                await workflow.wait_condition(changed, timeout=timeout)
            except TimeoutError:
                assert deadline is not None
                await self._on_deadline(deadline[1])

    def _changed(
        self, deadline: tuple[datetime, Alarm | None] | None, *, keep_timer: bool
    ) -> Callable[[], bool]:
        """When the loop must plan its timer again: the dossier closed, or its next deadline
        (or a demo dossier's clock) moved. An action that leaves them where they were keeps
        the timer running: the server starts and cancels no timer for it. Dossiers from
        before the KEEP_TIMER patch planned again on every change."""
        offset = self._demo_offset

        def changed() -> bool:
            if self._s.status.is_terminal:
                return True
            if not self._wake:
                return False
            if not keep_timer:
                return True
            return self._demo_offset != offset or self._next_deadline() != deadline

        return changed

    def _next_deadline(self) -> tuple[datetime, Alarm | None] | None:
        if self._s.sub_state is T.AWAITING_SUPPLEMENT and self._s.supplement_due_at is not None:
            return self._s.supplement_due_at, None
        if self._s.status not in _CLOCK_RUNS or self._s.is_paused:
            return None
        pending = [a for a in self._s.alarms if a.rung_id not in self._s.fired_rungs]
        if not pending:
            return None
        alarm = min(pending, key=lambda a: a.fire_at)
        return alarm.fire_at, alarm

    async def _on_deadline(self, alarm: Alarm | None) -> None:
        if alarm is None:
            await self._supplement_expired()
        else:
            await self._fire(alarm)

    async def _fire(self, alarm: Alarm) -> None:
        self._s.fired_rungs.append(alarm.rung_id)
        action = RungAction(alarm.action)
        if action is RungAction.REQUIRE_APOLOGY:
            self._s.apology_required = True
        event = self._transition(
            _ALARM_EVENTS[action],
            self._s.status,
            self._s.sub_state,
            SYSTEM,
            data={
                "rung": alarm.rung_id,
                "action": alarm.action,
                "fire_at": alarm.fire_at.isoformat(),
                "due_at": None if self._s.due_at is None else self._s.due_at.isoformat(),
            },
        )
        notification = self._notification(event, alarm)
        if workflow.patched(OUTBOX):
            await self._persist(event, notification)
        else:
            await self._persist(event)
            await self._remote_activity(NotificationActivities.notify, notification)

    def _notification(self, event: DossierEvent, alarm: Alarm) -> NotificationRequest:
        recipients = []
        for role in alarm.notify:
            if role == Role.OFFICER and self._s.assignee:
                recipients.append(f"{self._s.assignee}@{self._s.holder_unit}")
            elif role == Role.SUPERVISOR:
                recipients.append(f"supervisor@{self._dossier.procedure.level.value}")
            else:
                recipients.append(f"{role}@{self._s.holder_unit}")
        return NotificationRequest(
            dossier_code=self._dossier.code,
            seq=event.seq,
            kind=event.type.value,
            recipients=recipients,
            message_vi=f"Hồ sơ {self._dossier.code} ({self._dossier.procedure.name_vi}): "
            f"{alarm.label_vi}.",
            message_en=f"Dossier {self._dossier.code} ({self._dossier.procedure.name_en}): "
            f"{alarm.rung_id}.",
            due_at=self._s.due_at,
        )

    async def _supplement_expired(self) -> None:
        # An unanswered supplement request ends the dossier (Decree 118/2025 art. 16).
        self._s.closed_at = self._now()
        if self._s.is_paused:
            self._s.pauses[-1].ended_at = self._now()
        event = self._transition(
            EventType.SUPPLEMENT_EXPIRED,
            S.STOPPED,
            T.CLOSED,
            ActionCommand(actor="system", reason="Quá hạn nộp bổ sung hồ sơ"),
            data={
                "respond_by": None
                if self._s.supplement_due_at is None
                else self._s.supplement_due_at.isoformat()
            },
        )
        await self._record(event, form=FormKind.STOP_NOTICE)

    async def _set_supplement_deadline(self, event: DossierEvent, days: int | None) -> None:
        if days is None:
            return
        due = await self._working_days_from_now(days)
        self._s.supplement_due_at = due.due_at
        event.data["respond_by"] = due.due_at.isoformat()
        self._wake = True

    def _enter_step(self, step: str, budget_days: float | None = None) -> None:
        self._s.step, self._s.step_started_at = step, self._now()
        self._s.step_budget_days = (
            budget_days if budget_days is not None else (self._phase_budget(step))
        )

    def _step_budget(self) -> float | None:
        return self._s.step_budget_days

    def _phase_budget(self, phase: str) -> float | None:
        """Working days the procedure's internal process gives a phase of the dossier."""
        steps = self._dossier.procedure.steps
        if not steps:
            return None
        leading = next((i for i, s in enumerate(steps) if s.role != "clerk"), len(steps))
        trailing = next((i for i, s in enumerate(reversed(steps)) if s.role != "clerk"), len(steps))
        intake = sum(s.budget_working_days for s in steps[:leading])
        back = sum(s.budget_working_days for s in steps[len(steps) - trailing :])
        middle = sum(
            s.budget_working_days for s in steps[leading : len(steps) - trailing] if s.counts
        )
        return {"intake": intake, "processing": middle, "return": back}.get(phase)

    def _clock_request(self) -> ClockRequest | None:
        """What the dates are planned from; None before acceptance, when no clock runs."""
        if self._s.accepted_at is None:
            return None
        return ClockRequest(
            accepted_at=self._s.accepted_at,
            limit=self._dossier.procedure.time_limit,
            pauses=self._s.pauses,
            extended_due_at=self._s.extended_due_at,
            extended_at=self._s.extended_at,
            extra_working_days=self._s.extra_working_days,
            ladder=self._dossier.ladder,
            now=self._now(),
            step_started_at=self._s.step_started_at,
            step_budget_working_days=self._step_budget(),
        )

    def _take_plan(self, plan: ClockResult) -> None:
        take_plan(self._s, plan)
        self._wake = True

    async def _replan(self) -> None:
        """Recompute every date of the dossier from its facts, in a step of its own."""
        request = self._clock_request()
        if request is not None:
            self._take_plan(await self._activity(DeadlineActivities.plan_clocks, request))

    async def _record(
        self,
        event: DossierEvent,
        *,
        replan: bool = False,
        form: FormKind | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Log an event after a change of state. `replan`: the dates are planned again
        first, and an event whose data names `due_at` carries the new date; `form`: the
        official form the event issues, with its `details`."""
        if workflow.patched(ONE_STEP):
            issue = None
            if form is not None:
                issue = FormIssue(form=form, dossier=self._dossier, details=details or {})
            request = self._clock_request() if replan else None
            planned = await self._persist(event, replan=request, form=issue)
            if planned is not None:
                self._take_plan(planned)
            return
        if replan:
            await self._replan()
            stamp_due(event, self._s)
        await self._persist(event)
        if form is not None:
            await self._issue(form, event, details or {})

    async def _replan_and_record(
        self,
        event_type: EventType,
        command: ActionCommand,
        data: dict[str, Any],
        *,
        always: bool = False,
    ) -> None:
        """Re-plan after an outside change; record it when a date moved (or always)."""
        before = self._s.due_at
        dates_before = (self._s.due_at, self._s.legal_due_at, self._s.step_due_at)
        await self._replan()
        if workflow.patched(LOG_EVERY_DATE):
            moved = dates_before != (self._s.due_at, self._s.legal_due_at, self._s.step_due_at)
        else:
            moved = self._s.due_at != before
        if not moved and not always:
            return
        legal_before = dates_before[1]
        event = self._transition(
            event_type,
            self._s.status,
            self._s.sub_state,
            command,
            data={
                **data,
                "previous_due_at": None if before is None else before.isoformat(),
                "due_at": None if self._s.due_at is None else self._s.due_at.isoformat(),
                "previous_legal_due_at": None if legal_before is None else legal_before.isoformat(),
                "legal_due_at": None
                if self._s.legal_due_at is None
                else self._s.legal_due_at.isoformat(),
            },
        )
        await self._persist(event)
