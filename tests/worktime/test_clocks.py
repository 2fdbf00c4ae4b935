"""A dossier's clocks: pauses move the dates by exactly the paused working time."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

import catalogue
from schemas.deadlines import ClockRequest, Pause, PauseReason
from schemas.procedure import TimeLimit
from tests.province import province_calendar
from worktime.clocks import plan

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = province_calendar()
LADDER = catalogue.load_default_ladder()
TEN_DAYS = TimeLimit(value=10, unit="working_days")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


def request(**overrides: object) -> ClockRequest:
    values: dict[str, object] = {
        "accepted_at": local(2026, 11, 25, 7, 0),
        "limit": TEN_DAYS,
        "ladder": LADDER,
        "now": local(2026, 11, 25, 7, 0),
    }
    values.update(overrides)
    return ClockRequest.model_validate(values)


def test_without_pauses_the_three_dates_agree() -> None:
    result = plan(CALENDAR, request())

    # 80 working hours from Wednesday 25 Nov 07:00 end on Tuesday 8 Dec at 17:00.
    assert result.original_due_at == result.legal_due_at == result.due_at
    assert result.due_at.astimezone(VN) == local(2026, 12, 8, 17, 0)


def test_a_pause_moves_the_due_date_by_its_working_hours_only() -> None:
    # Paused from Friday 27 Nov 15:00 to Monday 30 Nov 09:00: 2 + 2 = 4 working hours.
    pause = Pause(
        reason=PauseReason.SUPPLEMENT,
        started_at=local(2026, 11, 27, 15, 0),
        ended_at=local(2026, 11, 30, 9, 0),
    )

    result = plan(CALENDAR, request(pauses=[pause], now=local(2026, 12, 1, 9, 0)))

    assert result.paused_working_hours == pytest.approx(4)
    assert result.original_due_at.astimezone(VN) == local(2026, 12, 8, 17, 0)
    assert result.legal_due_at.astimezone(VN) == local(2026, 12, 9, 11, 0)
    assert result.due_at == result.legal_due_at
    assert "Tạm dừng 4 giờ làm việc" in result.explanation_vi


def test_an_open_pause_counts_up_to_now() -> None:
    pause = Pause(reason=PauseReason.FINANCIAL_OBLIGATION, started_at=local(2026, 11, 26, 7, 0))

    result = plan(CALENDAR, request(pauses=[pause], now=local(2026, 11, 27, 7, 0)))

    assert result.paused_working_hours == pytest.approx(8)


def test_an_extension_stands_and_only_later_pauses_move_it() -> None:
    before = Pause(
        reason=PauseReason.SUPPLEMENT,
        started_at=local(2026, 11, 26, 7, 0),
        ended_at=local(2026, 11, 27, 7, 0),
    )
    after = Pause(
        reason=PauseReason.FORCE_MAJEURE,
        started_at=local(2026, 12, 2, 7, 0),
        ended_at=local(2026, 12, 3, 7, 0),
        legal_reference="QĐ 12/QĐ-UBND",
    )

    result = plan(
        CALENDAR,
        request(
            pauses=[before, after],
            extended_due_at=local(2026, 12, 15, 9, 0),
            extended_at=local(2026, 12, 1, 9, 0),
            now=local(2026, 12, 4, 9, 0),
        ),
    )

    assert result.due_at.astimezone(VN) == local(2026, 12, 16, 9, 0)
    assert result.legal_due_at.astimezone(VN) == local(2026, 12, 10, 17, 0)


def test_bulk_extension_adds_working_days() -> None:
    result = plan(CALENDAR, request(extra_working_days=2))

    assert result.due_at.astimezone(VN) == local(2026, 12, 10, 17, 0)
    assert result.legal_due_at.astimezone(VN) == local(2026, 12, 8, 17, 0)


def test_the_ladder_sits_where_the_rungs_say() -> None:
    alarms = {a.rung_id: a.fire_at.astimezone(VN) for a in plan(CALENDAR, request()).alarms}

    # 70 % of 80 hours used = 24 hours left; 90 % = 8 hours left; apology 8 hours before.
    assert alarms["reminder-70"] == local(2026, 12, 4, 7, 0)
    assert alarms["warning-90"] == local(2026, 12, 8, 7, 0)
    assert alarms["apology-1wd"] == local(2026, 12, 8, 7, 0)
    assert alarms["breach"] == local(2026, 12, 8, 17, 0)


def test_rungs_that_make_no_sense_for_a_short_budget_are_left_out() -> None:
    same_day = TimeLimit(value=0, unit="same_day")

    result = plan(CALENDAR, request(limit=same_day))

    assert [a.rung_id for a in result.alarms] == ["reminder-70", "warning-90", "breach"]


def test_the_step_clock_has_its_own_budget() -> None:
    result = plan(
        CALENDAR, request(step_started_at=local(2026, 11, 26, 7, 0), step_budget_working_days=7)
    )

    assert result.step_due_at is not None
    assert result.step_due_at.astimezone(VN) == local(2026, 12, 4, 17, 0)
