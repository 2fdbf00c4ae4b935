"""Supervision over HTTP: at-risk and overdue lists, statistics with CSV, and their scope."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from db.models import DossierDailyRow, DossierRow
from db.session import SessionMaker
from db.statistics import rebuild_daily
from motcua.settings import Settings
from tests.auth import bearer
from tests.journeys import act, drive, scan, submit
from tests.province import TZ

JUSTICE = {"procedure_code": "2.000488", "receiving_unit": "xa-vu-bon"}


def _province_today() -> date:
    """Today where the dossiers are: the period a supervisor asks for is in province time."""
    return datetime.now(TZ).date()


async def test_a_warned_dossier_is_at_risk_and_an_overdue_one_is_listed_late(
    api: httpx.AsyncClient, temporal_env: WorkflowEnvironment, sessionmaker: SessionMaker
) -> None:
    warned = await submit(api, **JUSTICE)
    late = await submit(api, **JUSTICE)
    for code in (warned, late):
        await drive(api, code, "accept", "transfer", "assign")
    await temporal_env.fast_forward(
        temporal_env.client.get_workflow_handle(warned), timedelta(days=12)
    )
    # The late dossier's dates are moved into the past on the read model, where lists look.
    past = datetime.now(UTC) - timedelta(days=3)
    async with sessionmaker() as session, session.begin():
        await session.exec(
            update(DossierRow)
            .where(col(DossierRow.code) == late)
            .values(due_at=past, legal_due_at=past)
        )

    at_risk = (await api.get("/api/v1/supervision/at-risk")).json()["items"]
    by_rung = (await api.get("/api/v1/supervision/at-risk", params={"rung": "reminder-70"})).json()[
        "items"
    ]
    overdue = (await api.get("/api/v1/supervision/overdue", params={"level": "province"})).json()[
        "items"
    ]

    assert [i["code"] for i in at_risk] == [warned]
    assert by_rung[0]["last_rung"] == "reminder-70"
    assert [i["code"] for i in overdue] == [late]
    assert overdue[0]["holder_unit"] == "so-tu-phap"
    assert overdue[0]["assignee"] == "officer.a"
    assert overdue[0]["working_hours_late"] > 0
    assert overdue[0]["time_url"].endswith(f"{late}/time")


async def test_statistics_count_what_happened_in_the_period(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    returned = await submit(api, **JUSTICE)
    await drive(
        api, returned, "accept", "transfer", "assign", "appraise", "approve", "mark_result_ready"
    )
    await act(api, returned, "return_result", method="electronic")
    refused = await submit(api, **JUSTICE)
    await act(api, refused, "refuse")
    online = await submit(api, channel=2, received_by=None, **JUSTICE)
    await drive(api, online, "accept")
    paper = await submit(api, **JUSTICE)
    await scan(api, paper)
    # Claimed, not shown: the engine judges digitisation from the stored scans.
    await act(api, paper, "accept", digitised=True)
    unscanned = await submit(api, **JUSTICE)
    await act(api, unscanned, "accept", digitised=True)
    period = {
        "start": (_province_today() - timedelta(days=1)).isoformat(),
        "end": (_province_today() + timedelta(days=1)).isoformat(),
    }

    body = (await api.get("/api/v1/supervision/statistics", params=period)).json()
    as_csv = await api.get("/api/v1/supervision/statistics", params={**period, "format": "csv"})

    justice = next(u for u in body["units"] if u["unit"] == "so-tu-phap")
    assert justice["received"] == {"1": 4, "2": 1, "3": 0}
    assert justice["refused"] == 1
    assert justice["finished_early"] + justice["finished_on_time"] == 1
    assert justice["in_progress_within_deadline"] == 3
    assert justice["indicators"]["2.1"] == 100.0
    assert justice["indicators"]["3.3"] == 20.0
    assert justice["indicators"]["4.1"] == 100.0
    # 4.2: the online one and the scanned paper one, of four accepted; the paper one that
    # claimed digitisation without a scan does not count
    assert justice["indicators"]["4.2"] == 50.0
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Đơn vị", "Kỳ trước chuyển sang", "Tiếp nhận trực tiếp"]
    assert rows[1][:4] == ["so-tu-phap", "0", "4", "1"]


async def test_statistics_are_scoped_to_what_the_user_supervises(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    await submit(api, **JUSTICE)
    await submit(api, receiving_unit="phuong-tan-lap")
    period = {
        "start": (_province_today() - timedelta(days=1)).isoformat(),
        "end": (_province_today() + timedelta(days=1)).isoformat(),
        "by": "receiving",
    }

    commune = await api.get(
        "/api/v1/supervision/statistics",
        params=period,
        headers={"Authorization": bearer(settings, "supervisor.xa-vu-bon")},
    )
    clerk = await api.get(
        "/api/v1/supervision/statistics",
        params=period,
        headers={"Authorization": bearer(settings, "clerk.xa-vu-bon")},
    )

    assert [u["unit"] for u in commune.json()["units"]] == ["xa-vu-bon"]
    assert clerk.status_code == 403


async def test_a_complaint_lowers_satisfaction(api: httpx.AsyncClient) -> None:
    receipt = (
        await api.post(
            "/api/v1/dossiers",
            json={**JUSTICE, **_online_applicant()},
        )
    ).json()
    code, secret = receipt["code"], receipt["tracking_secret"]
    await drive(api, code, "accept", "transfer", "assign", "appraise", "approve")
    await drive(api, code, "mark_result_ready", "return_result")
    complaint = {"rating": 2, "complaint": "Cán bộ hướng dẫn chưa rõ ràng."}

    given = await api.post(
        f"/api/v1/track/{code}/feedback", json=complaint, headers={"X-Tracking-Secret": secret}
    )
    period = {
        "start": (_province_today() - timedelta(days=1)).isoformat(),
        "end": (_province_today() + timedelta(days=1)).isoformat(),
    }
    body = (await api.get("/api/v1/supervision/statistics", params=period)).json()

    assert given.status_code == 200, given.text
    assert given.json()["feedback"]["complaint"] == complaint["complaint"]
    justice = next(u for u in body["units"] if u["unit"] == "so-tu-phap")
    # on time, so only the complaint counts: 100 − 0 − 100 % of one judged dossier
    assert justice["indicators"]["2.1"] == 100.0
    assert justice["indicators"]["5.4"] == 0.0


def _online_applicant() -> dict[str, object]:
    return {
        "channel": 2,
        "applicant": {
            "full_name": "Y Moan Niê",
            "id_number": "066090004321",
            "phone": "0905123456",
        },
    }


async def test_the_day_counts_kept_by_the_projection_equal_a_recount(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    receipt = (await api.post("/api/v1/dossiers", json={**JUSTICE, **_online_applicant()})).json()
    returned = receipt["code"]
    await drive(api, returned, "accept", "transfer", "assign", "appraise", "approve")
    await drive(api, returned, "mark_result_ready", "return_result")
    await api.post(
        f"/api/v1/track/{returned}/feedback",
        json={"rating": 1, "complaint": "Chậm."},
        headers={"X-Tracking-Secret": receipt["tracking_secret"]},
    )
    await act(api, await submit(api, **JUSTICE), "refuse")
    paused = await submit(api, **JUSTICE)
    await drive(api, paused, "accept", "transfer", "assign")
    await act(
        api, paused, "appraise", result="insufficient", findings="Thiếu", missing_documents=["Ảnh"]
    )
    withdrawn = await submit(api, **JUSTICE)
    await drive(api, withdrawn, "accept")
    await act(api, withdrawn, "withdraw")
    scanned = await submit(api, **JUSTICE)
    await scan(api, scanned)
    await act(api, scanned, "accept")

    kept = await _daily_rows(sessionmaker)
    async with sessionmaker() as session, session.begin():
        await rebuild_daily(session, TZ)
    recounted = await _daily_rows(sessionmaker)

    assert sum(row["received_1"] + row["received_2"] for row in kept) == 5
    assert sum(row["complaints"] for row in kept) == 1
    assert kept == recounted


async def test_a_period_ending_before_it_starts_names_the_end(api: httpx.AsyncClient) -> None:
    response = await api.get(
        "/api/v1/supervision/statistics", params={"start": "2026-11-30", "end": "2026-11-01"}
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "end"]


async def _daily_rows(sessionmaker: SessionMaker) -> list[dict[str, Any]]:
    async with sessionmaker() as session:
        rows = await session.exec(select(DossierDailyRow).order_by(*_DAY_KEY))
        return [
            {**row.model_dump(), "processing_days_sum": round(row.processing_days_sum, 6)}
            for row in rows
        ]


_DAY_KEY = (
    col(DossierDailyRow.day),
    col(DossierDailyRow.competent_authority),
    col(DossierDailyRow.receiving_unit),
    col(DossierDailyRow.procedure_code),
)
