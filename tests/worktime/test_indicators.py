"""The 766 indicators against a fixture computed by hand.

Period: November 2026 (Asia/Ho_Chi_Minh). Unit A has eight dossiers, unit B one.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from worktime.calendar import WorkingCalendar
from worktime.indicators import DossierFacts, report

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START, END = datetime(2026, 11, 1, tzinfo=VN), datetime(2026, 12, 1, tzinfo=VN)


def t(day: int, hour: int = 9, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=VN)


def fact(**values: object) -> DossierFacts:
    defaults: dict[str, object] = {
        "unit": "A",
        "channel": 1,
        "status": 10,
        "submitted_at": t(2),
        "accepted_at": t(2),
        "finished_at": None,
        "legal_due_at": t(6, 17),
        "late_by_rule": False,
        "withdrawn": False,
        "paused_working_hours": 0.0,
        "result_method": "in_person",
        "payment_method": None,
        "payment_amount_vnd": None,
    }
    defaults.update(values)
    return DossierFacts(**defaults)  # type: ignore[arg-type]


FACTS = [
    # 1 early: finished Wednesday 4 Nov, due Friday 6 Nov; 2 working days, paid online,
    #   returned electronically. Mon 2 Nov 09:00 → Wed 4 Nov 09:00 = 16 h = 2 days.
    fact(
        finished_at=t(4),
        result_method="electronic",
        payment_method="online",
        payment_amount_vnd=50000,
    ),
    # 2 on time: finished on the due day, 6 Nov 15:00: Mon 6 h + Tue–Thu 24 h + Fri 6 h
    #   = 36 h, less 6 h paused = 30 h = 3.75 days.
    fact(
        finished_at=t(6, 15),
        paused_working_hours=6.0,
        payment_method="counter",
        payment_amount_vnd=50000,
    ),
    # 3 late: finished 9 Nov, after the due date; online submission; Mon 2 → Mon 9 09:00 = 40 h.
    fact(channel=2, finished_at=t(9)),
    # 4 late by rule (two supplement requests), though finished early: 16 h = 2 days.
    fact(finished_at=t(4), late_by_rule=True, status=9, result_method=None),
    # 5 refused at intake.
    fact(status=3, accepted_at=None, legal_due_at=None, finished_at=t(2, 10)),
    # 6 withdrawn and stopped.
    fact(status=8, withdrawn=True, finished_at=t(3), channel=3),
    # 7 open at the end, overdue (due 27 Nov); waiting for a supplement.
    fact(status=5, submitted_at=t(20), accepted_at=t(20), legal_due_at=t(27, 17)),
    # 8 carried over from October, open and within its deadline (due 3 Dec).
    fact(status=4, submitted_at=t(28, 9, 10), accepted_at=t(28, 9, 10), legal_due_at=t(3, 17, 12)),
    # Unit B: received online in November, still open and within deadline.
    fact(
        unit="B",
        channel=2,
        status=4,
        submitted_at=t(30),
        accepted_at=t(30),
        legal_due_at=t(4, 17, 12),
    ),
]


def test_buckets_and_indicators_match_the_hand_computation() -> None:
    reports = report(WorkingCalendar(), FACTS, START, END)
    a, b = reports["A"], reports["B"]

    assert a.carried_over == 1
    assert a.received == {1: 5, 2: 1, 3: 1}
    assert (a.finished_early, a.finished_on_time, a.finished_late) == (1, 1, 2)
    assert (a.in_progress_within_deadline, a.in_progress_overdue, a.paused) == (1, 1, 1)
    assert (a.refused, a.withdrawn) == (1, 1)
    indicators = a.indicators()
    # 2.1: (1 early + 1 on time + 1 within) / (1 + 1 + 2 late + 1 within + 1 overdue) = 3/6
    assert indicators["2.1"] == 50.0
    # 2.2: (2 + 3.75 + 5 + 2) / 4 = 3.1875 working days
    assert indicators["2.2"] == pytest.approx(3.19)
    assert indicators["3.3"] == pytest.approx(14.3)  # 1 online of 7 received
    assert indicators["3.6"] == 50.0  # 1 paid online of 2 paid
    assert indicators["4.1"] == pytest.approx(33.3)  # 1 electronic of 3 returned
    assert indicators["4.2"] is None
    assert indicators["5.4"] == 50.0  # 100 − 3 late or overdue of 6 judged
    assert b.indicators()["2.1"] == 100.0 and b.indicators()["3.3"] == 100.0
