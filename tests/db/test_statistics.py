"""The 766 report in SQL against a fixture computed by hand.

Period: November 2026 (Asia/Ho_Chi_Minh). Unit A (Tân Lập) has eight dossiers, unit B
(Vụ Bổn) one. Each finished dossier is judged as the projection judges it.
"""

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from db.models import DossierFeedbackRow, DossierRow
from db.session import SessionMaker
from db.statistics import rebuild_daily, unit_reports
from tests.province import TZ, province_calendar
from worktime.indicators import judge

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START, END = date(2026, 11, 1), date(2026, 12, 1)  # whole days, the end excluded
A, B = "phuong-tan-lap", "xa-vu-bon"


def t(day: int, hour: int = 9, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=VN)


def dossier(number: int, **values: Any) -> DossierRow:
    facts: dict[str, Any] = {
        "competent_authority": A,
        "channel": 1,
        "status": 10,
        "submitted_at": t(2),
        "accepted_at": t(2),
        "finished_at": None,
        "legal_due_at": t(6, 17),
        "late_by_rule": False,
        "withdrawn": False,
        "result_method": "in_person",
        "result_document_id": None,
        "payment_method": None,
        "payment_amount_vnd": None,
        "digitised": False,
    }
    paused = values.pop("paused_working_hours", 0.0)
    facts.update(values)
    if facts["finished_at"] is not None:
        judgement = judge(
            province_calendar(),
            status=facts["status"],
            withdrawn=facts["withdrawn"],
            late_by_rule=facts["late_by_rule"],
            accepted_at=facts["accepted_at"],
            finished_at=facts["finished_at"],
            legal_due_at=facts["legal_due_at"],
            paused_working_hours=paused,
        )
        facts["outcome"] = None if judgement.outcome is None else judgement.outcome.value
        facts["processing_days"] = judgement.processing_days
    unit = facts["competent_authority"]
    return DossierRow(
        code=f"TEST-{number:04d}",
        procedure_code="1.001193",
        procedure_version=1,
        receiving_unit=unit,
        returning_unit=unit,
        sub_state="",
        applicant_name="Nguyễn Văn A",
        applicant_id_number="066190001234",
        applicant_phone="0912345678",
        applicant={},
        holder_unit=unit,
        updated_at=datetime.now(UTC),
        snapshot={},
        **facts,
    )


def province_dossiers() -> list[DossierRow]:
    return [
        # 1 early: finished Wednesday 4 Nov, due Friday 6 Nov; 2 working days, paid online,
        #   returned electronically (a signed result delivered), scanned at receipt.
        #   Mon 2 Nov 09:00 → Wed 09:00 = 16 h.
        dossier(
            1,
            finished_at=t(4),
            result_method="electronic",
            result_document_id="9d1c7c52-0000-4000-8000-000000000001",
            payment_method="online",
            payment_amount_vnd=50000,
            digitised=True,
        ),
        # 2 on time: finished on the due day, 6 Nov 15:00: Mon 6 h + Tue–Thu 24 h + Fri 6 h
        #   = 36 h, less 6 h paused = 30 h = 3.75 days.
        dossier(
            2,
            finished_at=t(6, 15),
            paused_working_hours=6.0,
            payment_method="counter",
            payment_amount_vnd=50000,
        ),
        # 3 late: finished 9 Nov, after the due date; online (born digital); Mon 2 → Mon 9 = 40 h.
        dossier(3, channel=2, finished_at=t(9), digitised=True),
        # 4 late by rule (two supplement requests), though finished early: 16 h = 2 days.
        dossier(4, finished_at=t(4), late_by_rule=True, status=9, result_method=None),
        # 5 refused at intake.
        dossier(5, status=3, accepted_at=None, legal_due_at=None, finished_at=t(2, 10)),
        # 6 withdrawn and stopped.
        dossier(6, status=8, withdrawn=True, finished_at=t(3), channel=3),
        # 7 open at the end, overdue (due 27 Nov); waiting for a supplement; scanned.
        dossier(
            7,
            status=5,
            submitted_at=t(20),
            accepted_at=t(20),
            legal_due_at=t(27, 17),
            digitised=True,
        ),
        # 8 carried over from October, open and within its deadline (due 3 Dec).
        dossier(
            8,
            status=4,
            submitted_at=t(28, 9, 10),
            accepted_at=t(28, 9, 10),
            legal_due_at=t(3, 17, 12),
        ),
        # Unit B: received online in November, still open and within deadline.
        dossier(
            9,
            competent_authority=B,
            channel=2,
            status=4,
            submitted_at=t(30),
            accepted_at=t(30),
            legal_due_at=t(4, 17, 12),
            digitised=True,
        ),
        # Outside the period: finished in October, and submitted in December.
        dossier(10, submitted_at=t(1, 9, 10), accepted_at=t(1, 9, 10), finished_at=t(5, 9, 10)),
        dossier(11, submitted_at=t(2, 9, 12), accepted_at=None, legal_due_at=None),
    ]


@pytest.fixture
async def province(sessionmaker: SessionMaker) -> None:
    async with sessionmaker() as session, session.begin():
        session.add_all(province_dossiers())
        await session.flush()
        session.add_all(
            [
                DossierFeedbackRow(
                    dossier_code="TEST-0003",
                    rating=1,
                    complaint="Trả kết quả trễ hẹn mà không có thư xin lỗi.",
                    created_at=t(10),
                ),
                DossierFeedbackRow(dossier_code="TEST-0001", rating=5, created_at=t(5)),
            ]
        )
        # Rows written directly, not through the projection: count them as a repair would.
        await session.flush()
        await rebuild_daily(session, TZ)


async def test_buckets_and_indicators_match_the_hand_computation(
    sessionmaker: SessionMaker, province: None
) -> None:
    async with sessionmaker() as session:
        reports = {r.unit: r for r in await unit_reports(session, START, END, TZ)}
    a, b = reports[A], reports[B]

    assert set(reports) == {A, B}
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
    # 4.2: dossiers 1, 3 and 7 digitised of the six received in November and accepted
    assert indicators["4.2"] == 50.0
    # 5.4: 100 − 50 (3 late or overdue of 6 judged) − 16.7 (1 complaint of 6)
    assert indicators["5.4"] == pytest.approx(33.3)
    assert b.indicators()["2.1"] == 100.0
    assert b.indicators()["3.3"] == 100.0
    assert b.indicators()["5.4"] == 100.0


async def test_grouped_by_procedure_and_scoped_to_one_unit(
    sessionmaker: SessionMaker, province: None
) -> None:
    async with sessionmaker() as session:
        by_procedure = await unit_reports(session, START, END, TZ, by="procedure")
        only_b = await unit_reports(session, START, END, TZ, unit=B)

    assert [r.unit for r in by_procedure] == ["1.001193"]
    assert by_procedure[0].received == {1: 5, 2: 2, 3: 1}
    assert [(r.unit, r.in_progress_within_deadline) for r in only_b] == [(B, 1)]
