"""Bad input is answered 422 naming the field, and nothing is stored or started."""

import json
import unicodedata
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from temporalio.client import Client

from api.normalise import NormaliseText
from db.models import DossierCodeCounterRow, DossierEventRow, DossierRow, IdempotencyKeyRow
from db.session import SessionMaker
from tests.factories import submission


async def _stored(sessionmaker: SessionMaker) -> tuple[int, ...]:
    async with sessionmaker() as session:
        counts = []
        for table in (DossierRow, DossierEventRow, IdempotencyKeyRow):
            counts.append((await session.exec(select(func.count()).select_from(table))).one())
        counters = (await session.exec(select(func.sum(DossierCodeCounterRow.last_value)))).one()
        counts.append(counters or 0)
    return tuple(counts)


def _applicant(**overrides: Any) -> dict[str, Any]:
    return {**submission()["applicant"], **overrides}


CASES = [
    pytest.param(
        submission(procedure_code="9.999999"),
        "procedure_code",
        "unknown_procedure",
        id="unknown procedure",
    ),
    pytest.param(
        submission(receiving_unit="xa-khong-co"),
        "receiving_unit",
        "unknown_receiving_unit",
        id="unknown unit",
    ),
    pytest.param(
        submission(receiving_unit="so-tu-phap"),
        "receiving_unit",
        "unknown_receiving_unit",
        id="department has no counter",
    ),
    pytest.param(
        submission(applicant=_applicant(id_number="06619000123")),
        "applicant.id_number",
        "id_number_format",
        id="ID number too short",
    ),
    pytest.param(
        submission(applicant=_applicant(id_number="06619000123X")),
        "applicant.id_number",
        "id_number_format",
        id="ID number with a letter",
    ),
    pytest.param(
        submission(applicant=_applicant(id_number="999190001234")),
        "applicant.id_number",
        "id_number_province",
        id="ID number bad province",
    ),
    pytest.param(
        submission(applicant=_applicant(phone="12345")),
        "applicant.phone",
        "phone_format",
        id="phone",
    ),
    pytest.param(
        submission(applicant=_applicant(full_name="R2-D2")),
        "applicant.full_name",
        "full_name_format",
        id="name with digits",
    ),
    pytest.param(submission(channel=4), "channel", "enum", id="channel"),
    pytest.param(
        {k: v for k, v in submission().items() if k != "applicant"},
        "applicant",
        "missing",
        id="missing applicant",
    ),
    pytest.param(
        submission(receiving_unit="ttphcc-tinh"),
        "competent_authority",
        "competent_authority_required",
        id="commune procedure at province centre",
    ),
    pytest.param(
        submission(competent_authority="so-tu-phap"),
        "competent_authority",
        "unknown_competent_authority",
        id="department for commune procedure",
    ),
    pytest.param(
        submission(procedure_code="2.000488", competent_authority="xa-vu-bon"),
        "competent_authority",
        "wrong_competent_authority",
        id="commune for province procedure",
    ),
    pytest.param(submission(surprise=True), "surprise", "extra_forbidden", id="unknown field"),
]


@pytest.mark.parametrize(("body", "field", "kind"), CASES)
async def test_bad_submission_names_the_field_and_stores_nothing(
    api: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    temporal_client: Client,
    task_queue: str,
    body: dict[str, Any],
    field: str,
    kind: str,
) -> None:
    before = await _stored(sessionmaker)

    response = await api.post("/api/v1/dossiers", json=body)

    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert [(e["field"], e["type"]) for e in errors] == [(field, kind)]
    assert errors[0]["msg"]
    assert errors[0]["msg_en"]
    assert await _stored(sessionmaker) == before
    started = [w async for w in temporal_client.list_workflows(f"TaskQueue = '{task_queue}'")]
    assert started == []


async def test_malformed_json_is_422(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v1/dossiers", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


async def test_vietnamese_message_for_a_malformed_id_number(api: httpx.AsyncClient) -> None:
    body = submission(applicant=_applicant(id_number="123"))

    error = (await api.post("/api/v1/dossiers", json=body)).json()["detail"][0]

    assert error["msg"] == "Số định danh cá nhân phải gồm đúng 12 chữ số."
    assert error["msg_en"] == "The personal ID number must be exactly 12 digits."


async def test_receiving_rules_of_the_procedure_are_enforced(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    before = await _stored(sessionmaker)
    by_post = submission(procedure_code="DLK-XD-01", channel=3)
    at_province = submission(
        procedure_code="DLK-XD-01", receiving_unit="ttphcc-tinh", competent_authority="xa-vu-bon"
    )

    post = await api.post("/api/v1/dossiers", json=by_post)
    province = await api.post("/api/v1/dossiers", json=at_province)

    assert post.status_code == province.status_code == 422
    assert post.json()["detail"][0]["field"] == "channel"
    assert province.json()["detail"][0]["field"] == "receiving_unit"
    assert "chỉ tiếp nhận tại bộ phận một cửa cấp xã" in province.json()["detail"][0]["msg"]
    assert await _stored(sessionmaker) == before


async def test_a_back_dated_submission_is_refused_outside_demo_mode(
    api: httpx.AsyncClient,
) -> None:
    response = await api.post(
        "/api/v1/dossiers",
        json=submission(channel=2, received_by=None),
        headers={"X-Demo-Time": "2026-10-01T09:00:00+07:00"},
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "X-Demo-Time"]


async def test_an_oversized_body_is_refused_before_it_is_read(api: httpx.AsyncClient) -> None:
    note = "x" * 1_200_000

    response = await api.post("/api/v1/dossiers", json=submission(note=note))

    assert response.status_code == 413
    assert response.json()["detail"]["message"].startswith("Nội dung gửi lên quá lớn")


async def test_a_nul_character_is_a_clear_422_not_a_server_error(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v1/auth/token", data={"username": "clerk\x00", "password": "mat-khau"}
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"].startswith("Dữ liệu gửi lên chứa ký tự")


async def test_an_oversized_chunked_body_is_refused_too(live_server: str) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"note": "'
        for _ in range(40):
            yield b"x" * 50_000
        yield b'"}'

    # Over real HTTP: a streamed body has no Content-Length to refuse it by.
    async with httpx.AsyncClient(base_url=live_server) as client:
        response = await client.post(
            "/api/v1/dossiers", content=chunks(), headers={"Content-Type": "application/json"}
        )

    assert response.status_code == 413
    assert response.json()["detail"]["code"] == "http_413"


async def test_a_name_typed_with_combining_accents_is_stored_composed(
    api: httpx.AsyncClient,
) -> None:
    typed = unicodedata.normalize("NFD", "Nguyễn Thị Hồng Nhung")
    assert typed != "Nguyễn Thị Hồng Nhung"

    response = await api.post(
        "/api/v1/dossiers", json=submission(applicant=_applicant(full_name=typed))
    )

    assert response.status_code == 201, response.text
    code = response.json()["code"]
    stored = (await api.get(f"/api/v1/dossiers/{code}")).json()
    assert stored["applicant"]["full_name"] == "Nguyễn Thị Hồng Nhung"


async def test_a_decomposed_name_sent_as_json_escapes_is_stored_composed_too(
    api: httpx.AsyncClient,
) -> None:
    # What Python's json.dumps (and so many integrations) sends: \u escapes, not UTF-8.
    body = submission(applicant=_applicant(full_name=unicodedata.normalize("NFD", "Hồng Nhung")))
    response = await api.post(
        "/api/v1/dossiers",
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 201, response.text
    stored = (await api.get(f"/api/v1/dossiers/{response.json()['code']}")).json()
    assert stored["applicant"]["full_name"] == "Hồng Nhung"


async def test_form_fields_and_queries_are_composed_at_the_edge() -> None:
    async def echo(request: Request) -> JSONResponse:
        form = await request.form()
        return JSONResponse({"form": dict(form), "query": dict(request.query_params)})

    app = NormaliseText(Starlette(routes=[Route("/echo", echo, methods=["POST"])]))
    decomposed = unicodedata.normalize("NFD", "Hồng Nhung")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        answer = await client.post("/echo", params={"q": decomposed}, data={"name": decomposed})

    assert answer.json() == {"form": {"name": "Hồng Nhung"}, "query": {"q": "Hồng Nhung"}}
