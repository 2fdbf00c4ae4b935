"""Where the time went: working hours per level, unit and step, paused time apart.

Built from the event log: between two events the dossier sat with one unit in one
sub-state; the working hours of that stretch (less any pause) belong to them.
"""

from dataclasses import dataclass
from datetime import datetime

from schemas.deadlines import Pause
from worktime.calendar import WorkingCalendar


@dataclass(frozen=True)
class Stretch:
    start: datetime
    unit: str
    level: str
    sub_state: str


@dataclass(frozen=True)
class StepTime:
    sub_state: str
    unit: str
    level: str
    working_hours: float


@dataclass(frozen=True)
class TimeAccount:
    by_level: dict[str, float]
    steps: list[StepTime]
    paused_hours: float
    total_hours: float


def _overlap(
    calendar: WorkingCalendar, start: datetime, end: datetime, pauses: list[Pause], now: datetime
) -> float:
    total = 0.0
    for pause in pauses:
        lo, hi = max(start, pause.started_at), min(end, pause.ended_at or now)
        if hi > lo:
            total += calendar.working_hours_between(lo, hi)
    return total


def account(
    calendar: WorkingCalendar, stretches: list[Stretch], end: datetime, pauses: list[Pause]
) -> TimeAccount:
    by_level: dict[str, float] = {}
    steps: list[StepTime] = []
    paused_total = 0.0
    for current, following in zip(stretches, [*stretches[1:], None], strict=True):
        finish = end if following is None else following.start
        if finish <= current.start:
            continue
        hours = calendar.working_hours_between(current.start, finish)
        paused = _overlap(calendar, current.start, finish, pauses, end)
        counted = round(max(hours - paused, 0.0), 2)
        paused_total += paused
        by_level[current.level] = round(by_level.get(current.level, 0.0) + counted, 2)
        if steps and (steps[-1].sub_state, steps[-1].unit) == (current.sub_state, current.unit):
            last = steps.pop()
            counted = round(last.working_hours + counted, 2)
        steps.append(StepTime(current.sub_state, current.unit, current.level, counted))
    return TimeAccount(
        by_level=by_level,
        steps=steps,
        paused_hours=round(paused_total, 2),
        total_hours=round(sum(by_level.values()), 2),
    )
