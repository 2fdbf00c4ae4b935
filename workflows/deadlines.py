"""A dossier's deadline watcher: one updatable timer for whatever comes next.

The legal clock, the current step's clock and the citizen's supplement deadline are planned
by an activity from the dossier's facts (start, pauses, extensions, calendar); the watcher
keeps the plan and sleeps until its next instant. Any change (an action, a pause, a calendar
override, a bulk suspension) pokes it, and it sets a new timer only when that instant moved.
Fired rungs are part of the dossier's state, so each fires once, across worker restarts and
replays. What a deadline does to the dossier is the workflow's to say (`on_due`).
"""

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from temporalio import workflow

from schemas.deadlines import ClockRequest, ClockResult, NotificationRequest
from schemas.dossier import Alarm, DossierEvent, DossierSnapshot, DossierStart, EventType
from schemas.escalation import RungAction
from schemas.lifecycle import Role
from schemas.records import take_plan
from schemas.status import DossierStatus as S
from schemas.status import SubState as T
from workflows.journal import Journal
from workflows.patches import AT_ONCE, KEEP_TIMER
from workflows.route import phase_budget

# The legal clock runs while the dossier is accepted and at the authority, unpaused.
_CLOCK_RUNS = (S.ACCEPTED, S.PROCESSING, S.FINANCIAL_OBLIGATION)
ALARM_EVENTS = {
    RungAction.REMIND_OFFICER: EventType.DEADLINE_WARNING,
    RungAction.NOTIFY_UNIT_HEAD: EventType.DEADLINE_WARNING,
    RungAction.REQUIRE_APOLOGY: EventType.APOLOGY_REQUIRED,
    RungAction.BREACH: EventType.DEADLINE_BREACHED,
}
# The next instant and what it brings: an alarm's rung, or (None) the supplement's end.
Deadline = tuple[datetime, Alarm | None]


class DeadlineWatcher:
    def __init__(self, dossier: DossierStart, snapshot: DossierSnapshot, journal: Journal) -> None:
        self._dossier = dossier
        self._s = snapshot
        self._journal = journal
        self._poked = False
        # A demo dossier's clock runs this far behind the server's.
        self._demo_offset = timedelta(0)
        if dossier.demo_at is not None:
            self._demo_offset = max(workflow.now() - dossier.demo_at, timedelta(0))
            snapshot.demo = True

    def now(self) -> datetime:
        """The dossier's time: the server's, except for a demo dossier's back-dated clock."""
        return workflow.now() - self._demo_offset

    def poke(self) -> None:
        """Something changed: the watcher looks at its next deadline again."""
        self._poked = True

    def move_demo_clock(self, at: datetime | None) -> None:
        """Move a demo dossier's clock forward to `at` (None: to now); it never goes back."""
        offset = timedelta(0) if at is None else max(workflow.now() - at, timedelta(0))
        self._demo_offset = min(self._demo_offset, offset)
        self.poke()

    async def run(self, on_due: Callable[[Alarm | None], Awaitable[None]]) -> None:
        """Sleep until the next deadline or any change, until the dossier closes."""
        while not self._s.status.is_terminal:
            deadline = self.next_deadline()
            self._poked = False
            if deadline is not None and deadline[0] <= self.now() and workflow.patched(AT_ONCE):
                # Already due (a calendar change, a demo clock moved on): fire in this
                # task rather than through a timer of a millisecond and one more task.
                await on_due(deadline[1])
                continue
            timeout = None
            if deadline is not None:
                # Dossiers from before the AT_ONCE patch: a date already past fires
                # through a timer of a millisecond.
                timeout = max((deadline[0] - self.now()).total_seconds(), 0.001)
            changed = self._changed(deadline, keep_timer=workflow.patched(KEEP_TIMER))
            try:
                await workflow.wait_condition(changed, timeout=timeout)
            except TimeoutError:
                assert deadline is not None
                await on_due(deadline[1])

    def _changed(self, deadline: Deadline | None, *, keep_timer: bool) -> Callable[[], bool]:
        """When the loop must plan its timer again: the dossier closed, or its next deadline
        (or a demo dossier's clock) moved. An action that leaves them where they were keeps
        the timer running: the server starts and cancels no timer for it. Dossiers from
        before the KEEP_TIMER patch planned again on every change."""
        offset = self._demo_offset

        def changed() -> bool:
            if self._s.status.is_terminal:
                return True
            if not self._poked:
                return False
            if not keep_timer:
                return True
            return self._demo_offset != offset or self.next_deadline() != deadline

        return changed

    def next_deadline(self) -> Deadline | None:
        s = self._s
        if s.sub_state is T.AWAITING_SUPPLEMENT and s.supplement_due_at is not None:
            return s.supplement_due_at, None
        if s.status not in _CLOCK_RUNS or s.is_paused:
            return None
        pending = [a for a in s.alarms if a.rung_id not in s.fired_rungs]
        if not pending:
            return None
        alarm = min(pending, key=lambda a: a.fire_at)
        return alarm.fire_at, alarm

    # --- The plan the timer follows ------------------------------------------------------

    def enter_step(self, step: str, budget_days: float | None = None) -> None:
        """The step clock restarts: a phase (intake, processing, return) or a named step."""
        self._s.step, self._s.step_started_at = step, self.now()
        self._s.step_budget_days = (
            budget_days if budget_days is not None else phase_budget(self._dossier.procedure, step)
        )

    def clocks(self) -> ClockRequest | None:
        """What the dates are planned from; None before acceptance, when no clock runs."""
        s = self._s
        if s.accepted_at is None:
            return None
        return ClockRequest(
            accepted_at=s.accepted_at,
            limit=self._dossier.procedure.time_limit,
            pauses=s.pauses,
            extended_due_at=s.extended_due_at,
            extended_at=s.extended_at,
            extra_working_days=s.extra_working_days,
            ladder=self._dossier.ladder,
            now=self.now(),
            step_started_at=s.step_started_at,
            step_budget_working_days=s.step_budget_days,
        )

    def take(self, plan: ClockResult) -> None:
        take_plan(self._s, plan)
        self.poke()

    async def replan(self) -> None:
        """Recompute every date of the dossier from its facts, in a step of its own."""
        request = self.clocks()
        if request is not None:
            self.take(await self._journal.plan(request))

    async def set_supplement_deadline(self, event: DossierEvent, days: int | None) -> None:
        """The citizen's time to answer a supplement request, in working days from now."""
        if days is None:
            return
        due = await self._journal.working_days_from(self.now(), days)
        self._s.supplement_due_at = due.due_at
        event.data["respond_by"] = due.due_at.isoformat()
        self.poke()


def alarm_notification(
    dossier: DossierStart, snapshot: DossierSnapshot, event: DossierEvent, alarm: Alarm
) -> NotificationRequest:
    """Who hears of a fired rung, and what they read."""
    recipients = []
    for role in alarm.notify:
        if role == Role.OFFICER and snapshot.assignee:
            recipients.append(f"{snapshot.assignee}@{snapshot.holder_unit}")
        elif role == Role.SUPERVISOR:
            recipients.append(f"supervisor@{dossier.procedure.level.value}")
        else:
            recipients.append(f"{role}@{snapshot.holder_unit}")
    return NotificationRequest(
        dossier_code=dossier.code,
        seq=event.seq,
        kind=event.type.value,
        recipients=recipients,
        message_vi=f"Hồ sơ {dossier.code} ({dossier.procedure.name_vi}): {alarm.label_vi}.",
        message_en=f"Dossier {dossier.code} ({dossier.procedure.name_en}): {alarm.rung_id}.",
        due_at=snapshot.due_at,
    )
