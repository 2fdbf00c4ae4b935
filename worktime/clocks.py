"""A dossier's clocks from their facts: due dates after pauses and extensions, and alarms.

Everything is recomputed from the same inputs every time (start, limit, pauses,
extensions, calendar), so a calendar change or a late pause gives the same answer as if
it had been known from the start.
"""

from datetime import datetime

from schemas.deadlines import Alarm, ClockRequest, ClockResult
from schemas.dossier import Pause
from worktime.calendar import WorkingCalendar, when_en, when_vi


def _paused_hours(
    calendar: WorkingCalendar, pauses: list[Pause], since: datetime, now: datetime
) -> float:
    total = 0.0
    for pause in pauses:
        end = pause.ended_at or now
        start = max(pause.started_at, since)
        if end > start:
            total += calendar.working_hours_between(start, end)
    return total


def plan(calendar: WorkingCalendar, request: ClockRequest) -> ClockResult:
    base = calendar.due(request.accepted_at, request.limit)
    all_paused = _paused_hours(calendar, request.pauses, request.accepted_at, request.now)
    legal_due = calendar.add_working_hours(base.due_at, all_paused) if all_paused else base.due_at
    if request.extended_due_at is not None:
        # The leader's new date stands; only pauses after it move it further.
        anchor = request.extended_at or request.accepted_at
        later = _paused_hours(calendar, request.pauses, anchor, request.now)
        # The date on Form 04 stands as written unless a later pause moves it.
        due = (
            calendar.add_working_hours(request.extended_due_at, later)
            if later
            else request.extended_due_at
        )
    else:
        due = legal_due
    if request.extra_working_days:
        due = calendar.add_working_hours(due, request.extra_working_days * calendar.hours_per_day)

    budget = calendar.working_hours_between(request.accepted_at, base.due_at)
    started = calendar.clock_start(request.accepted_at)
    alarms = []
    for rung in request.ladder:
        if rung.at_due:
            fire_at = due
        elif rung.budget_used is not None:
            fire_at = calendar.subtract_working_hours(due, (1 - rung.budget_used) * budget)
        else:
            assert rung.working_hours_before_due is not None
            fire_at = calendar.subtract_working_hours(due, rung.working_hours_before_due)
        if fire_at <= started and not rung.at_due:
            continue  # the budget is too short for this rung to mean anything
        alarms.append(
            Alarm(
                rung_id=rung.id,
                action=rung.action,
                label_vi=rung.label_vi,
                fire_at=fire_at,
                notify=rung.notify,
            )
        )

    step_due = None
    if request.step_started_at is not None and request.step_budget_working_days is not None:
        step_base = calendar.add_working_hours(
            request.step_started_at, request.step_budget_working_days * calendar.hours_per_day
        )
        step_paused = _paused_hours(calendar, request.pauses, request.step_started_at, request.now)
        step_due = calendar.add_working_hours(step_base, step_paused) if step_paused else step_base

    local_due = due.astimezone(calendar.tz)
    explanation_vi, explanation_en = base.explanation_vi, base.explanation_en
    if all_paused:
        explanation_vi += f" Tạm dừng {all_paused:g} giờ làm việc (không tính vào thời hạn)."
        explanation_en += f" Paused {all_paused:g} working hours (not counted)."
    if due != legal_due:
        explanation_vi += f" Gia hạn → hạn hiện tại {when_vi(local_due)}."
        explanation_en += f" Extended → currently due {when_en(local_due)}."
    return ClockResult(
        original_due_at=base.due_at,
        legal_due_at=legal_due,
        due_at=due,
        explanation_vi=explanation_vi,
        explanation_en=explanation_en,
        paused_working_hours=all_paused,
        alarms=sorted(alarms, key=lambda alarm: alarm.fire_at),
        step_due_at=step_due,
    )
