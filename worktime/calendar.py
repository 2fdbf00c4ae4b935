"""The working calendar and working-hour arithmetic (Labour Code art. 112, Decree 118/2025)."""

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from schemas.calendar import DueResult
from schemas.procedure import TimeLimit, TimeUnit

# Production default (configurable per province): 07:00–11:30 and 13:30–17:00, 8 hours a day.
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = (
    (time(7, 0), time(11, 30)),
    (time(13, 30), time(17, 0)),
)
_WEEKDAYS_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]
_WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class WorkingCalendar:
    def __init__(
        self,
        timezone: str,
        periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS,
        extra_days_off: dict[date, str] | None = None,
        extra_working_days: frozenset[date] = frozenset(),
    ) -> None:
        self.tz = ZoneInfo(timezone)
        self.periods = periods
        self.hours_per_day = sum(
            (datetime.combine(date.min, end) - datetime.combine(date.min, start)).seconds / 3600
            for start, end in periods
        )
        self._holidays = holidays.country_holidays("VN")
        self._extra_off = extra_days_off or {}
        self._extra_working = extra_working_days

    def is_working_day(self, day: date) -> bool:
        if day in self._extra_working:
            return True
        if day in self._extra_off or day in self._holidays:
            return False
        if day.weekday() >= 5:
            # Official make-up Saturdays (e.g. 22 Aug 2026, swapped for Monday 31 Aug).
            return day in getattr(self._holidays, "weekend_workdays", set())
        return True

    def holiday_name(self, day: date) -> str | None:
        if day in self._extra_off:
            return self._extra_off[day]
        name = self._holidays.get(day)
        return None if name is None else str(name)

    def _periods_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods, in local time, from `start` on (the first one clipped)."""
        local = start.astimezone(self.tz)
        day = local.date()
        while True:
            if self.is_working_day(day):
                for begin, end in self.periods:
                    period_start = datetime.combine(day, begin, self.tz)
                    period_end = datetime.combine(day, end, self.tz)
                    if period_end <= local:
                        continue
                    yield max(period_start, local), period_end
            day += timedelta(days=1)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant `hours` working hours after `start`. Adding nothing leaves the instant
        where it is: a deadline at 17:00 moved by no paused time stays at 17:00, not at
        07:00 the next morning (`clock_start` is the next working moment)."""
        if hours <= 0:
            return start.astimezone(UTC)
        remaining = timedelta(hours=hours)
        for begin, end in self._periods_from(start):
            if remaining <= end - begin:
                return (begin + remaining).astimezone(UTC)
            remaining -= end - begin
        raise AssertionError("unreachable: periods never end")

    def _periods_before(self, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods, latest first, up to `end` (the last one clipped)."""
        local = end.astimezone(self.tz)
        day = local.date()
        while True:
            if self.is_working_day(day):
                for begin, finish in reversed(self.periods):
                    period_start = datetime.combine(day, begin, self.tz)
                    period_end = datetime.combine(day, finish, self.tz)
                    if period_start >= local:
                        continue
                    yield period_start, min(period_end, local)
            day -= timedelta(days=1)

    def subtract_working_hours(self, end: datetime, hours: float) -> datetime:
        if hours <= 0:
            return end.astimezone(UTC)
        remaining = timedelta(hours=hours)
        for begin, finish in self._periods_before(end):
            if remaining <= finish - begin:
                return (finish - remaining).astimezone(UTC)
            remaining -= finish - begin
        raise AssertionError("unreachable: periods never end")

    def clock_start(self, instant: datetime) -> datetime:
        """When a clock started at `instant` begins to run (after hours, lunch, days off)."""
        begin, _ = next(self._periods_from(instant))
        return begin.astimezone(UTC)

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        if end <= start:
            return 0.0
        total = timedelta()
        for begin, finish in self._periods_from(start):
            if begin >= end:
                break
            total += min(finish, end) - begin
        return total.total_seconds() / 3600

    def end_of_working_day(self, day: date) -> datetime:
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return datetime.combine(day, self.periods[-1][1], self.tz).astimezone(UTC)

    def due(self, start: datetime, limit: TimeLimit) -> DueResult:
        local = start.astimezone(self.tz)
        if limit.unit is TimeUnit.SAME_DAY:
            day = local.date()
            late = limit.cutoff is not None and local.time() > limit.cutoff
            if late or not self.is_working_day(day) or local.time() >= self.periods[-1][1]:
                day = self._next_working_day(day)
            due_at = self.end_of_working_day(day)
        elif limit.unit is TimeUnit.CALENDAR_DAYS:
            due_at = self.end_of_working_day(local.date() + timedelta(days=int(limit.value)))
        elif limit.unit is TimeUnit.MONTHS:
            due_at = self.end_of_working_day(_add_months(local.date(), int(limit.value)))
        else:
            hours = limit.value * (self.hours_per_day if limit.unit is TimeUnit.WORKING_DAYS else 1)
            due_at = self.add_working_hours(self.clock_start(start), hours)
        return DueResult(due_at=due_at, **self._explain(start, due_at, limit))

    def _next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def _explain(self, start: datetime, due_at: datetime, limit: TimeLimit) -> dict[str, str]:
        local_start, local_due = start.astimezone(self.tz), due_at.astimezone(self.tz)
        skipped = [
            (day, name)
            for day in _days(local_start.date(), local_due.date())
            if (name := self.holiday_name(day)) is not None
        ]
        limit_vi, limit_en = _describe_limit(limit)
        vi = f"Nhận {when_vi(local_start)}"
        en = f"Received {when_en(local_start)}"
        clock = self.clock_start(start).astimezone(self.tz)
        if limit.unit in (TimeUnit.WORKING_DAYS, TimeUnit.WORKING_HOURS) and clock != local_start:
            vi += f" → bắt đầu tính {when_vi(clock)}"
            en += f" → clock starts {when_en(clock)}"
        vi += f"; thời hạn {limit_vi}"
        en += f"; time limit {limit_en}"
        if skipped:
            vi += "; không tính ngày nghỉ " + ", ".join(f"{d:%d/%m}" for d, _ in skipped)
            en += "; not counting " + ", ".join(f"{d:%d %b} ({n})" for d, n in skipped)
        return {
            "explanation_vi": f"{vi} → hạn {when_vi(local_due)}.",
            "explanation_en": f"{en} → due {when_en(local_due)}.",
        }


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _describe_limit(limit: TimeLimit) -> tuple[str, str]:
    value = f"{limit.value:g}"
    match limit.unit:
        case TimeUnit.SAME_DAY:
            if limit.cutoff is None:
                return "trong ngày", "same day"
            return (
                f"trong ngày, nhận sau {limit.cutoff:%H:%M} trả ngày làm việc tiếp theo",
                f"same day, after {limit.cutoff:%H:%M} the next working day",
            )
        case TimeUnit.WORKING_DAYS:
            return f"{value} ngày làm việc", f"{value} working days"
        case TimeUnit.WORKING_HOURS:
            return f"{value} giờ làm việc", f"{value} working hours"
        case TimeUnit.CALENDAR_DAYS:
            return f"{value} ngày", f"{value} calendar days"
        case TimeUnit.MONTHS:
            return f"{value} tháng", f"{value} months"
    raise AssertionError(limit.unit)


def when_vi(moment: datetime) -> str:
    return f"{moment:%H:%M} {_WEEKDAYS_VI[moment.weekday()]} {moment:%d/%m/%Y}"


def when_en(moment: datetime) -> str:
    return f"{_WEEKDAYS_EN[moment.weekday()]} {moment:%d %b %Y %H:%M}"


def parse_periods(text: str) -> tuple[tuple[time, time], ...]:
    """`07:00-11:30,13:30-17:00` → the working periods of a day, validated."""
    periods = []
    for part in text.split(","):
        begin, end = (time.fromisoformat(piece.strip()) for piece in part.split("-"))
        if begin >= end:
            raise ValueError(f"working period {part!r} ends before it starts")
        periods.append((begin, end))
    if any(a[1] > b[0] for a, b in itertools.pairwise(periods)):
        raise ValueError(f"working periods {text!r} overlap or are out of order")
    return tuple(periods)
