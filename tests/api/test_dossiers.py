"""The first journey over HTTP: submit → workflow → worker → PostgreSQL → read → accept."""

import asyncio
import re

import httpx
from sqlalchemy import func
from sqlmodel import col, select
from temporalio.client import Client

from db.models import DossierEventRow, DossierRow
from db.session import SessionMaker
from motcua.settings import Settings
from schemas.tracking import tracking_secret
from tests.factories import RECEIVED, submission

CODE = re.compile(r"^101\.00\.00\.H15-\d{6}-\d{4}$|^\d{3}\.00\.00\.H15-\d{6}-\d{4}$")


async def test_submission_answers_201_with_code_secret_and_official_status(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    response = await api.post("/api/v1/dossiers", json=submission())

    assert response.status_code == 201, response.text
    receipt = response.json()
    # Phường Tân Lập is the third unit of the commune list: e-ID 103.00.00.H15.
    assert re.fullmatch(r"103\.00\.00\.H15-\d{6}-\d{4}", receipt["code"])
    assert receipt["tracking_secret"] == tracking_secret(settings.secret_key, receipt["code"])
    assert receipt["status"] == {"code": 1, "name_vi": "Mới đăng ký", "name_en": "Newly registered"}
    assert receipt["receiving_unit"]["code"] == "phuong-tan-lap"
    assert receipt["competent_authority"]["code"] == "phuong-tan-lap"
    assert receipt["returning_unit"]["code"] == "phuong-tan-lap"


async def test_read_shows_state_timeline_and_allowed_actions(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    code = (await api.post("/api/v1/dossiers", json=submission())).json()["code"]

    detail = (await api.get(f"/api/v1/dossiers/{code}")).json()

    assert detail["status"]["code"] == 1
    assert detail["sub_state"]["code"] == "awaiting_receipt"
    assert detail["applicant"]["phone"] == "0912345678"
    assert [e["type"] for e in detail["timeline"]] == ["submitted"]
    # The clerk signed in at the counter, whatever the body's received_by says.
    assert detail["timeline"][0]["actor"] == "clerk.phuong-tan-lap"
    assert [a["action"] for a in detail["allowed_actions"]] == [
        "accept",
        "request_supplement",
        "refuse",
        "withdraw",
        "stop",
    ]
    async with sessionmaker() as session:
        row = await session.get(DossierRow, code)
    assert row is not None
    assert row.status == 1
    assert row.last_seq == 1


async def test_accept_moves_the_dossier_and_records_who_did_it(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    code = (await api.post("/api/v1/dossiers", json=submission())).json()["code"]

    response = await api.post(
        f"/api/v1/dossiers/{code}/actions/accept",
        json={"actor": "clerk.tanlap", "reason": "Hồ sơ đầy đủ", "checklist": RECEIVED},
    )

    assert response.status_code == 200, response.text
    detail = response.json()
    assert detail["status"] == {"code": 2, "name_vi": "Được tiếp nhận", "name_en": "Accepted"}
    assert detail["accepted_at"] is not None
    assert [a["action"] for a in detail["allowed_actions"]] == ["transfer", "withdraw", "stop"]
    accepted = detail["timeline"][1]
    assert accepted["type"] == "accepted"
    assert accepted["from_status"] == 1
    assert accepted["to_status"] == 2
    assert accepted["actor_unit"] == "phuong-tan-lap"
    assert accepted["reason"] == "Hồ sơ đầy đủ"
    async with sessionmaker() as session:
        events = (
            await session.exec(
                select(DossierEventRow.seq, DossierEventRow.type)
                .where(DossierEventRow.dossier_code == code)
                .order_by(col(DossierEventRow.seq))
            )
        ).all()
        row = await session.get(DossierRow, code)
    assert [tuple(e) for e in events] == [(1, "submitted"), (2, "accepted")]
    assert row is not None
    assert row.status == 2
    assert row.sub_state == "awaiting_transfer"


async def test_accepting_twice_is_refused_with_the_state_that_forbids_it(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    code = (await api.post("/api/v1/dossiers", json=submission())).json()["code"]
    body = {"actor": "clerk.tanlap", "checklist": RECEIVED}
    await api.post(f"/api/v1/dossiers/{code}/actions/accept", json=body)

    response = await api.post(f"/api/v1/dossiers/{code}/actions/accept", json=body)

    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail["reason"] == "illegal_action"
    assert "Được tiếp nhận" in detail["message"]
    assert "Accepted" in detail["message_en"]
    assert detail["state"]["status"] == 2
    async with sessionmaker() as session:
        count = (
            await session.exec(
                select(func.count())
                .select_from(DossierEventRow)
                .where(DossierEventRow.dossier_code == code)
            )
        ).one()
    assert count == 2


async def test_concurrent_accepts_let_exactly_one_through(api: httpx.AsyncClient) -> None:
    code = (await api.post("/api/v1/dossiers", json=submission())).json()["code"]

    responses = await asyncio.gather(
        *(
            api.post(
                f"/api/v1/dossiers/{code}/actions/accept",
                json={"actor": f"clerk.{i}", "checklist": RECEIVED},
            )
            for i in range(5)
        )
    )

    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409, 409]
    detail = (await api.get(f"/api/v1/dossiers/{code}")).json()
    assert [e["type"] for e in detail["timeline"]] == ["submitted", "accepted"]


async def test_retried_action_with_the_same_key_runs_once(api: httpx.AsyncClient) -> None:
    code = (await api.post("/api/v1/dossiers", json=submission())).json()["code"]
    headers = {"Idempotency-Key": "accept-once-123"}

    first = await api.post(
        f"/api/v1/dossiers/{code}/actions/accept",
        json={"actor": "clerk.a", "checklist": RECEIVED},
        headers=headers,
    )
    retry = await api.post(
        f"/api/v1/dossiers/{code}/actions/accept",
        json={"actor": "clerk.a", "checklist": RECEIVED},
        headers=headers,
    )

    assert first.status_code == retry.status_code == 200
    assert len(retry.json()["timeline"]) == 2


async def test_unknown_dossier_is_404_in_vietnamese(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/dossiers/000.00.00.H15-260101-9999")

    assert response.status_code == 404
    assert response.json()["detail"]["message"].startswith("Không tìm thấy hồ sơ")


async def test_unknown_action_names_the_path_field(api: httpx.AsyncClient) -> None:
    code = (await api.post("/api/v1/dossiers", json=submission())).json()["code"]

    response = await api.post(f"/api/v1/dossiers/{code}/actions/teleport", json={"actor": "x"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "action"]


async def test_province_procedure_routes_to_its_department_and_returns_at_the_counter(
    api: httpx.AsyncClient,
) -> None:
    body = submission(procedure_code="2.000488", receiving_unit="xa-vu-bon")

    receipt = (await api.post("/api/v1/dossiers", json=body)).json()

    assert receipt["receiving_unit"]["code"] == "xa-vu-bon"
    assert receipt["competent_authority"]["code"] == "so-tu-phap"
    assert receipt["returning_unit"]["code"] == "xa-vu-bon"
    assert receipt["code"].startswith("202.00.00.H15-")


async def test_commune_procedure_at_provincial_centre_goes_to_the_chosen_commune(
    api: httpx.AsyncClient,
) -> None:
    body = submission(receiving_unit="ttphcc-tinh", competent_authority="phuong-ea-kao")

    receipt = (await api.post("/api/v1/dossiers", json=body)).json()

    assert receipt["code"].startswith("000.00.01.H15-")
    assert receipt["competent_authority"]["code"] == "phuong-ea-kao"
    assert receipt["returning_unit"]["code"] == "ttphcc-tinh"


async def test_the_workflow_id_is_the_dossier_code(
    api: httpx.AsyncClient, temporal_client: Client
) -> None:
    code = (await api.post("/api/v1/dossiers", json=submission())).json()["code"]

    description = await temporal_client.get_workflow_handle(code).describe()

    assert description.workflow_type == "DossierWorkflow"
