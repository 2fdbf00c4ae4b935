"""Working-hour arithmetic: examples from the law and the 2026 calendar, and properties."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.procedure import TimeLimit, TimeUnit
from tests.province import province_calendar
from worktime.calendar import WorkingCalendar, parse_periods

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = province_calendar()


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


def due(
    start: datetime,
    value: float,
    unit: TimeUnit = TimeUnit.WORKING_DAYS,
    cutoff: time | None = None,
    calendar: WorkingCalendar = CALENDAR,
) -> datetime:
    result = calendar.due(start, TimeLimit(value=value, unit=unit, cutoff=cutoff))
    return result.due_at.astimezone(VN)


def test_tet_2026_is_not_counted() -> None:
    # Friday 13 Feb 16:40; Tết holidays 16–20 Feb; 3 working days = 24 working hours.
    result = CALENDAR.due(local(2026, 2, 13, 16, 40), TimeLimit(value=3, unit="working_days"))

    assert result.due_at.astimezone(VN) == local(2026, 2, 25, 16, 40)
    assert "16/02, 17/02, 18/02, 19/02, 20/02" in result.explanation_vi
    assert "Lunar New Year" in result.explanation_en


def test_the_make_up_saturday_22_august_2026_is_a_working_day() -> None:
    assert CALENDAR.is_working_day(date(2026, 8, 22))
    assert not CALENDAR.is_working_day(date(2026, 8, 31))
    assert due(local(2026, 8, 21, 9, 0), 1) == local(2026, 8, 22, 9, 0)


def test_national_day_2026_is_skipped() -> None:
    # Friday 28 Aug; 31 Aug, 1 and 2 Sep are off.
    assert due(local(2026, 8, 28, 9, 0), 1) == local(2026, 9, 3, 9, 0)
    assert due(local(2026, 8, 28, 9, 0), 2) == local(2026, 9, 4, 9, 0)


@pytest.mark.parametrize(
    ("received", "clock_starts"),
    [
        (local(2026, 11, 20, 17, 30), local(2026, 11, 23, 7, 0)),  # Friday after hours
        (local(2026, 11, 23, 6, 15), local(2026, 11, 23, 7, 0)),  # before opening
        (local(2026, 11, 23, 12, 0), local(2026, 11, 23, 13, 30)),  # lunch break
        (local(2026, 11, 22, 10, 0), local(2026, 11, 23, 7, 0)),  # Sunday
        (local(2026, 11, 23, 16, 59), local(2026, 11, 23, 16, 59)),  # during hours
    ],
)
def test_receipt_rules(received: datetime, clock_starts: datetime) -> None:
    assert CALENDAR.clock_start(received).astimezone(VN) == clock_starts
    # One working hour later is counted from when the clock starts.
    assert due(received, 1, TimeUnit.WORKING_HOURS) == CALENDAR.add_working_hours(
        clock_starts, 1
    ).astimezone(VN)


def test_explanation_says_when_the_clock_starts() -> None:
    result = CALENDAR.due(local(2026, 11, 20, 17, 30), TimeLimit(value=1, unit="working_days"))

    assert "bắt đầu tính 07:00 Thứ Hai 23/11/2026" in result.explanation_vi
    assert "clock starts Monday 23 Nov 2026 07:00" in result.explanation_en


def test_the_15_00_cut_off_for_same_day_procedures() -> None:
    cutoff = time(15, 0)
    same_day = TimeUnit.SAME_DAY

    assert due(local(2026, 11, 23, 14, 59), 0, same_day, cutoff) == local(2026, 11, 23, 17, 0)
    # Tuesday 24 Nov 2026 is Vietnam Cultural Day: the next working day is Wednesday.
    assert due(local(2026, 11, 23, 15, 1), 0, same_day, cutoff) == local(2026, 11, 25, 17, 0)


def test_overrides_add_days_off_and_make_up_days() -> None:
    typhoon = province_calendar(extra_days_off={date(2026, 12, 1): "Bão số 13"})
    make_up = province_calendar(extra_working_days=frozenset({date(2026, 11, 28)}))

    assert due(local(2026, 11, 30, 9, 0), 1, calendar=typhoon) == local(2026, 12, 2, 9, 0)
    assert due(local(2026, 11, 27, 9, 0), 1, calendar=make_up) == local(2026, 11, 28, 9, 0)
    assert typhoon.holiday_name(date(2026, 12, 1)) == "Bão số 13"


def test_configurable_working_hours() -> None:
    short_days = province_calendar(periods=parse_periods("07:30-11:30,13:00-16:30"))

    assert short_days.hours_per_day == 7.5
    # A full working day from opening ends at closing time the same day.
    assert due(local(2026, 11, 23, 7, 30), 1, calendar=short_days) == local(2026, 11, 23, 16, 30)
    assert due(local(2026, 11, 23, 9, 0), 1, calendar=short_days) == local(2026, 11, 25, 9, 0)
    with pytest.raises(ValueError, match="overlap"):
        parse_periods("07:00-12:00,11:00-17:00")


# Hypothesis takes naive bounds and gives naive values; the zone is added right after.
moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)).map(  # noqa: DTZ001
    lambda naive: naive.replace(tzinfo=VN)
)
hours = st.floats(min_value=0, max_value=400, allow_nan=False).map(lambda h: round(h, 2))


def _is_working_instant(moment: datetime) -> bool:
    moment = moment.astimezone(VN)
    if not CALENDAR.is_working_day(moment.date()):
        return False
    return any(begin <= moment.time() <= end for begin, end in CALENDAR.periods)


@settings(max_examples=300, deadline=None)
@given(moments, hours)
def test_adding_working_hours_counts_exactly_those_hours(start: datetime, h: float) -> None:
    end = CALENDAR.add_working_hours(start, h)

    assert CALENDAR.working_hours_between(start, end) == pytest.approx(h, abs=1e-6)
    # Adding nothing moves nothing; any working time ends inside working hours.
    assert end == start if h == 0 else _is_working_instant(end)


@settings(max_examples=300, deadline=None)
@given(moments, hours, hours)
def test_more_hours_never_end_earlier(start: datetime, a: float, b: float) -> None:
    low, high = sorted((a, b))

    assert CALENDAR.add_working_hours(start, low) <= CALENDAR.add_working_hours(start, high)


@settings(max_examples=300, deadline=None)
@given(moments, hours)
def test_subtracting_undoes_adding(start: datetime, h: float) -> None:
    end = CALENDAR.add_working_hours(start, h)
    back = CALENDAR.subtract_working_hours(end, h)

    assert CALENDAR.add_working_hours(back, h) == end
    assert CALENDAR.working_hours_between(back, end) == pytest.approx(h, abs=1e-6)


@settings(max_examples=300, deadline=None)
@given(
    moments,
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)
def test_working_hours_between_adds_up(
    start: datetime, first: timedelta, second: timedelta
) -> None:
    middle, end = start + first, start + first + second

    total = CALENDAR.working_hours_between(start, end)

    assert total == pytest.approx(
        CALENDAR.working_hours_between(start, middle) + CALENDAR.working_hours_between(middle, end),
        abs=1e-6,
    )
    assert total <= (end - start).total_seconds() / 3600 + 1e-9


def test_results_are_utc() -> None:
    assert CALENDAR.add_working_hours(local(2026, 11, 23, 9, 0), 1).tzinfo is UTC


@pytest.mark.parametrize(
    "deadline",
    [
        local(2026, 12, 4, 17, 0),  # Friday evening
        local(2026, 2, 13, 17, 0),  # the eve of Tết 2026
        local(2026, 12, 2, 11, 30),  # the start of lunch
    ],
)
def test_adding_no_working_time_leaves_a_deadline_where_it_is(deadline: datetime) -> None:
    assert CALENDAR.add_working_hours(deadline, 0) == deadline


def test_a_clock_started_at_the_end_of_the_day_runs_from_the_next_working_morning() -> None:
    # Friday 17:00 → Monday 07:00; the eve of Tết → the first working day after it.
    assert CALENDAR.clock_start(local(2026, 12, 4, 17, 0)) == local(2026, 12, 7, 7, 0)
    assert CALENDAR.clock_start(local(2026, 2, 13, 17, 0)) == local(2026, 2, 23, 7, 0)
    assert CALENDAR.clock_start(local(2026, 12, 2, 12, 15)) == local(2026, 12, 2, 13, 30)
    # One working hour from 17:00 is 08:00 the next working day, not 18:00.
    assert CALENDAR.add_working_hours(local(2026, 12, 4, 17, 0), 1) == local(2026, 12, 7, 8, 0)
