"""Ratings by the official criteria: once per dossier, tied to the clerk who received it
and to the unit, online or at the counter's kiosk, summed for supervisors."""

from datetime import timedelta

import httpx

from db.models import DossierFeedbackRow
from db.session import SessionMaker
from motcua.settings import Settings
from tests.api.test_supervision import _province_today
from tests.auth import bearer
from tests.factories import submission
from tests.journeys import drive

JUSTICE = {"procedure_code": "2.000488", "receiving_unit": "xa-vu-bon"}
HAPPY = {"publicity": 5, "attitude": 5, "timeliness": 4, "outcome": 4, "comment": "Nhanh gọn"}


async def _returned(api: httpx.AsyncClient) -> tuple[str, str]:
    receipt = (await api.post("/api/v1/dossiers", json=submission(**JUSTICE))).json()
    code = receipt["code"]
    await drive(api, code, "accept", "transfer", "assign", "appraise", "approve")
    await drive(api, code, "mark_result_ready", "return_result")
    return code, receipt["tracking_secret"]


async def test_a_rating_by_the_four_criteria_is_the_clerks_and_the_units_once(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    code, secret = await _returned(api)
    citizen = {"X-Tracking-Secret": secret}

    half = await api.post(f"/api/v1/track/{code}/feedback", json={"publicity": 5}, headers=citizen)
    given = await api.post(f"/api/v1/track/{code}/feedback", json=HAPPY, headers=citizen)
    again = await api.post(
        f"/api/v1/track/{code}/feedback", json={**HAPPY, "attitude": 1}, headers=citizen
    )

    assert half.status_code == 422
    assert "bốn tiêu chí" in half.text
    assert given.status_code == 200, given.text
    assert given.json()["feedback"]["rating"] == 5  # (5 + 5 + 4 + 4) / 4, half up
    assert again.status_code == 409
    period = {
        "start": (_province_today() - timedelta(days=1)).isoformat(),
        "end": (_province_today() + timedelta(days=1)).isoformat(),
    }
    supervisor = {"Authorization": bearer(settings, "supervisor.dak-lak")}
    report = (
        await api.get("/api/v1/supervision/satisfaction", params=period, headers=supervisor)
    ).json()
    unit, clerk = report["lines"]
    assert unit["unit"] == "xa-vu-bon"
    assert unit["clerk"] is None
    assert (unit["ratings"], unit["satisfied_share"]) == (1, 100.0)
    assert (unit["publicity"], unit["attitude"], unit["timeliness"], unit["outcome"]) == (
        5,
        5,
        4,
        4,
    )
    # The clerk who accepted it at the counter.
    assert clerk["clerk"] == "clerk.xa-vu-bon"
    elsewhere = {"Authorization": bearer(settings, "leader.phuong-tan-lap")}
    theirs = await api.get("/api/v1/supervision/satisfaction", params=period, headers=elsewhere)
    assert theirs.json()["lines"] == []


async def test_the_counters_kiosk_records_the_citizens_rating(
    api: httpx.AsyncClient, settings: Settings, sessionmaker: SessionMaker
) -> None:
    code, _ = await _returned(api)
    pages = "http://motcua.test/can-bo/ho-so"
    clerk = {"motcua_session": bearer(settings, "clerk.xa-vu-bon").removeprefix("Bearer ")}
    officer = {"motcua_session": bearer(settings, "officer.so-tu-phap").removeprefix("Bearer ")}

    api.cookies = clerk
    screen = await api.get(f"{pages}/{code}/danh-gia")
    sent = await api.post(
        f"{pages}/{code}/danh-gia",
        data={k: str(v) for k, v in HAPPY.items()},
        headers={"Origin": "http://motcua.test"},
    )
    api.cookies = officer
    refused = await api.get(f"{pages}/{code}/danh-gia")
    api.cookies = {}

    assert screen.status_code == 200
    assert 'class="kiosk"' in screen.text
    assert "Thái độ, tinh thần phục vụ của cán bộ" in screen.text
    assert sent.status_code == 200, sent.text
    assert 'id="kiosk-done"' in sent.text
    assert refused.status_code == 403
    async with sessionmaker() as session:
        rating = await session.get(DossierFeedbackRow, code)
    assert rating is not None
    assert (rating.via, rating.clerk, rating.unit) == ("kiosk", "clerk.xa-vu-bon", "xa-vu-bon")
    assert rating.attitude == 5
