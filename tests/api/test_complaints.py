"""Complaints and petitions as cases on the real stack: filed with the receipt's secret or
about a unit, owned, reminded and escalated by the province's ladder (time skipped on the
complaint's own workflow), answered, published, and counted in 5.4."""

import asyncio
from datetime import datetime, timedelta

import httpx
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from db.models import NotificationRow
from db.session import SessionMaker
from motcua.settings import Settings
from tests.api.test_supervision import _province_today
from tests.auth import bearer
from tests.factories import submission
from tests.journeys import drive

JUSTICE = {"procedure_code": "2.000488", "receiving_unit": "xa-vu-bon"}
CITIZEN = {"full_name": "Hoàng Thị Mai", "phone": "0912345678"}
COMPLAINT = {
    **CITIZEN,
    "subject": "Chậm trả kết quả",
    "content": "Hồ sơ của tôi đã quá hẹn mà chưa được thông báo lý do.",
}


def _anyone(api: httpx.AsyncClient) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=api._transport, base_url="http://motcua.test")


async def _dossier(api: httpx.AsyncClient) -> tuple[str, str]:
    receipt = (await api.post("/api/v1/dossiers", json=submission(**JUSTICE))).json()
    await drive(api, receipt["code"], "accept", "transfer")
    return receipt["code"], receipt["tracking_secret"]


async def test_a_complaint_about_a_dossier_is_the_deciding_units_with_a_legal_date(
    api: httpx.AsyncClient,
) -> None:
    code, secret = await _dossier(api)
    anyone = _anyone(api)

    wrong = await anyone.post(
        "/api/v1/complaints", json={**COMPLAINT, "dossier_code": code, "secret": "AAAA-BBBB-CCCC"}
    )
    vague = await anyone.post("/api/v1/complaints", json=COMPLAINT)
    key = {"Idempotency-Key": f"complaint-{code}"}
    body = {**COMPLAINT, "dossier_code": code, "secret": secret}
    filed = await anyone.post("/api/v1/complaints", json=body, headers=key)
    again = await anyone.post("/api/v1/complaints", json=body, headers=key)

    assert wrong.status_code == 404
    assert vague.status_code == 422
    assert "unit" in vague.text
    assert filed.status_code == 201, filed.text
    complaint = filed.json()
    assert complaint["code"].startswith("PAKN-")
    assert complaint["owner_unit"] == "so-tu-phap"
    assert complaint["status"] == "open"
    received = datetime.fromisoformat(complaint["received_at"])
    due = datetime.fromisoformat(complaint["due_at"])
    # Ten working days: at least two weeks on the calendar.
    assert due - received >= timedelta(days=13)
    assert again.json()["code"] == complaint["code"]
    # The person's name and phone stay with the unit.
    assert "0912345678" not in filed.text
    await anyone.aclose()


async def test_the_ladder_reminds_and_escalates_an_unanswered_complaint_once_each(
    api: httpx.AsyncClient, temporal_env: WorkflowEnvironment, sessionmaker: SessionMaker
) -> None:
    anyone = _anyone(api)
    filed = (
        await anyone.post("/api/v1/complaints", json={**COMPLAINT, "unit": "xa-vu-bon"})
    ).json()
    handle = temporal_env.client.get_workflow_handle(f"complaint-{filed['code']}")

    await temporal_env.fast_forward(handle, timedelta(days=30))
    rows = await _alarms(sessionmaker, filed["code"], 4)

    assert [kind for kind, _ in rows] == [
        "complaint.reminder-70",
        "complaint.warning-90",
        "complaint.apology-1wd",
        "complaint.breach",
    ]
    assert "supervisor@dak-lak" in rows[-1][1]
    assert "leader@xa-vu-bon" in rows[-1][1]
    await anyone.aclose()


async def _alarms(sessionmaker: SessionMaker, code: str, rungs: int) -> list[tuple[str, set[str]]]:
    for _ in range(100):
        async with sessionmaker() as session:
            rows = (
                await session.exec(
                    select(NotificationRow)
                    .where(NotificationRow.dossier_code == code)
                    .order_by(col(NotificationRow.seq))
                )
            ).all()
        kinds = list(dict.fromkeys(r.kind for r in rows))
        if len(kinds) >= rungs:
            return [(k, {r.recipient for r in rows if r.kind == k}) for k in kinds]
        await asyncio.sleep(0.1)
    raise AssertionError(f"{code}: {[r.kind for r in rows]}")


async def test_the_owner_answers_once_the_answer_is_published_and_the_dossier_counts_in_5_4(
    api: httpx.AsyncClient, settings: Settings, sessionmaker: SessionMaker
) -> None:
    code, secret = await _dossier(api)
    period = {
        "start": (_province_today() - timedelta(days=1)).isoformat(),
        "end": (_province_today() + timedelta(days=1)).isoformat(),
    }

    async def satisfaction() -> float:
        report = (await api.get("/api/v1/supervision/statistics", params=period)).json()
        justice = next(u for u in report["units"] if u["unit"] == "so-tu-phap")
        return float(justice["indicators"]["5.4"])

    anyone = _anyone(api)
    filed = (
        await anyone.post(
            "/api/v1/complaints", json={**COMPLAINT, "dossier_code": code, "secret": secret}
        )
    ).json()
    # Counted once processing ends, beside a dossier without a complaint.
    quiet, _ = await _dossier(api)
    for finished in (code, quiet):
        await drive(api, finished, "assign", "appraise", "approve", "mark_result_ready")
    after = await satisfaction()
    supervisor = {"Authorization": bearer(settings, "supervisor.dak-lak")}
    open_now = (await api.get("/api/v1/complaints/open", headers=supervisor)).json()

    answer = {
        "answer": "Hồ sơ chờ kết quả xác minh; Sở sẽ trả kết quả trong tuần.",
        "publish": True,
    }
    stranger = {"Authorization": bearer(settings, "officer.xa-vu-bon")}
    refused = await api.post(
        f"/api/v1/complaints/{filed['code']}/answer", json=answer, headers=stranger
    )
    owner = {"Authorization": bearer(settings, "leader.so-tu-phap")}
    answered = await api.post(
        f"/api/v1/complaints/{filed['code']}/answer", json=answer, headers=owner
    )
    twice = await api.post(f"/api/v1/complaints/{filed['code']}/answer", json=answer, headers=owner)
    public = (await anyone.get("/api/v1/complaints/published")).json()

    assert after == 50.0
    assert [c["code"] for c in open_now] == [filed["code"]]
    assert refused.status_code == 403
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "answered"
    assert twice.status_code == 409
    assert [c["code"] for c in public] == [filed["code"]]
    assert public[0]["answer"] == answer["answer"]
    assert (await api.get("/api/v1/complaints/open", headers=supervisor)).json() == []
    async with sessionmaker() as session:
        told = (
            await session.exec(
                select(NotificationRow).where(NotificationRow.dossier_code == filed["code"])
            )
        ).all()
    assert [(t.kind, t.recipient) for t in told] == [("citizen.complaint_answered", "0912345678")]
    await anyone.aclose()
