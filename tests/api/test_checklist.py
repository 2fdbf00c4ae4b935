"""The counter's checklist drives the decision, on the real stack: what is wanting becomes
Form 02 word for word, a mandatory paper missing stops the acceptance unless the clerk says
why, the supplement comes back as new versions the officer sees beside the first, and
"digitised" is what the stored scans prove, never what a client claims."""

import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from db.models import DossierEventRow, DossierRow
from db.session import SessionMaker
from motcua.settings import Environment, Settings
from schemas.tracking import tracking_secret
from store.backends import S3Backend
from tests.api.test_forms import _download
from tests.auth import bearer
from tests.conftest import DATABASE_URL, Tokens, signing_settings
from tests.factories import submission
from tests.journeys import act, drive, scan, submit

FORM = b"%PDF-1.7\n% To khai dang ky khai sinh\n" + bytes(range(256)) * 64
FORM_SIGNED = b"%PDF-1.7\n% To khai, da ky\n" + bytes(range(256)) * 80
BIRTH = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64
DECLARATION = "Tờ khai đăng ký khai sinh theo mẫu"
BIRTH_PAPER = "Giấy chứng sinh (hoặc văn bản của người làm chứng)"


@pytest.fixture(params=["folder", "s3"])
async def settings(
    request: pytest.FixtureRequest, task_queue: str, tmp_path: Path, tokens: Tokens
) -> Settings:
    """The same journeys over both document stores: the embedded folder, and S3 spoken to
    moto's server in its own process."""
    common: dict[str, Any] = {
        "environment": Environment.TEST,
        "data_dir": tmp_path / "data",
        "database_url": DATABASE_URL,
        "temporal_address": "in-test",
        "task_queue": task_queue,
        "secret_key": "test-secret-key-not-for-production",
        **signing_settings(tokens),
    }
    if request.param == "folder":
        return Settings(**common)
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"motcua-{os.urandom(4).hex()}"
    await S3Backend(
        bucket, endpoint_url=endpoint, access_key="test", secret_key="test"
    ).ensure_bucket()
    return Settings(
        **common,
        documents_backend="s3",
        documents_s3_endpoint=endpoint,
        documents_s3_bucket=bucket,
        documents_s3_access_key="test",
        documents_s3_secret_key="test",
    )


def as_(settings: Settings, username: str) -> dict[str, str]:
    return {"Authorization": bearer(settings, username)}


async def _upload(
    api: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    name: str,
    content: bytes,
    **form: Any,
) -> list[dict[str, Any]]:
    response = await api.post(
        url,
        headers=headers,
        data={k: str(v) for k, v in form.items()},
        files=[("files", (name, content))],
    )
    assert response.status_code == 201, response.text
    uploaded: list[dict[str, Any]] = response.json()
    return uploaded


async def _checklist(api: httpx.AsyncClient, code: str) -> dict[str, Any]:
    response = await api.get(f"/api/v1/dossiers/{code}/checklist")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def _events(sessionmaker: SessionMaker, code: str, kind: str) -> list[DossierEventRow]:
    async with sessionmaker() as session:
        statement = (
            select(DossierEventRow)
            .where(DossierEventRow.dossier_code == code, DossierEventRow.type == kind)
            .order_by(col(DossierEventRow.seq))
        )
        return list(await session.exec(statement))


async def _row(sessionmaker: SessionMaker, code: str) -> DossierRow:
    async with sessionmaker() as session:
        row = await session.get(DossierRow, code)
        assert row is not None
        return row


async def test_upload_checklist_form_02_supplement_and_the_officer_sees_both_versions(
    api: httpx.AsyncClient, settings: Settings, sessionmaker: SessionMaker
) -> None:
    code = await submit(api)
    clerk = as_(settings, "clerk.phuong-tan-lap")
    await _upload(
        api, f"/api/v1/dossiers/{code}/documents", clerk, "to-khai.pdf", FORM, slot=0,
        form="original_seen",
    )  # fmt: skip

    # Unmarked papers are judged from the files: the declaration is there, the other not.
    judged = await _checklist(api, code)
    assert [(x["slot"], x["state"], x["files"], x["marked"]) for x in judged["lines"]] == [
        (0, "received", 1, False),
        (1, "missing", 0, False),
    ]
    assert judged["missing_mandatory"] == [BIRTH_PAPER]

    refused = await api.post(f"/api/v1/dossiers/{code}/actions/accept", json={})
    assert refused.status_code == 422
    problem = refused.json()["detail"][0]
    assert problem["field"] == "checklist"
    assert BIRTH_PAPER in problem["msg"]
    assert (await _row(sessionmaker, code)).status == 1  # nothing changed

    asked = await act(
        api,
        code,
        "request_supplement",
        missing_documents=[],
        checklist=[
            {"slot": 0, "state": "defective", "note": "Chưa có chữ ký của người đi khai"},
            {"slot": 1, "state": "missing"},
        ],
    )
    assert asked["status"]["code"] == 5
    (request,) = await _events(sessionmaker, code, "supplement_requested")
    wanting = [f"{DECLARATION} (chưa hợp lệ: Chưa có chữ ký của người đi khai)", BIRTH_PAPER]
    assert request.data["missing_documents"] == wanting
    form_02 = " ".join((await _download(api, code, "02")).split())
    for item in wanting:
        assert item in form_02
    assert "Bản sao Căn cước" not in form_02

    # The applicant brings both papers online: new versions, sent with the supplement.
    citizen = {"X-Tracking-Secret": tracking_secret(settings.secret_key, code)}
    track = f"/api/v1/track/{code}/documents"
    again = await _upload(api, track, citizen, "to-khai-da-ky.pdf", FORM_SIGNED, slot=0)
    birth = await _upload(api, track, citizen, "giay-chung-sinh.png", BIRTH, slot=1)
    brought = await api.post(f"/api/v1/track/{code}/supplement", json={}, headers=citizen)
    assert brought.status_code == 200, brought.text
    (submitted,) = await _events(sessionmaker, code, "supplement_submitted")
    assert [a["id"] for a in submitted.data["attached"]] == [again[0]["id"], birth[0]["id"]]
    assert [a["version"] for a in submitted.data["attached"]] == [2, 1]
    assert submitted.data["documents"] == [DECLARATION, BIRTH_PAPER]
    assert "content" not in str(submitted.data)  # references only

    await act(
        api,
        code,
        "accept",
        checklist=[
            {"slot": 0, "state": "received", "form": "original_seen"},
            {"slot": 1, "state": "received", "form": "certified_copy"},
        ],
    )
    assert (await _row(sessionmaker, code)).digitised is True
    await drive(api, code, "transfer", "assign")
    holder = (await api.get(f"/api/v1/dossiers/{code}")).json()["holder_unit"]
    officer = as_(settings, f"officer.{holder}")
    listing = await api.get(f"/api/v1/dossiers/{code}/documents", headers=officer)
    seen = [(d["slot"], d["version"], d["superseded"]) for d in listing.json()]
    assert seen == [(0, 1, True), (0, 2, False), (1, 1, False)]
    first, second = listing.json()[0], listing.json()[1]
    assert (await api.get(first["url"], headers=officer)).content == FORM
    assert (await api.get(second["url"], headers=officer)).content == FORM_SIGNED


async def test_a_missing_mandatory_paper_is_accepted_only_with_a_reason_the_log_keeps(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    code = await submit(api)
    checklist = [
        {"slot": 0, "state": "received", "form": "copy"},
        {"slot": 1, "state": "missing"},
    ]
    refused = await api.post(
        f"/api/v1/dossiers/{code}/actions/accept", json={"checklist": checklist}
    )
    assert refused.status_code == 422
    assert BIRTH_PAPER in refused.json()["detail"][0]["msg"]

    reason = "Sinh tại nhà, người làm chứng sẽ nộp văn bản trong ngày"
    await act(api, code, "accept", checklist=checklist, override_reason=reason)

    (accepted,) = await _events(sessionmaker, code, "accepted")
    assert accepted.data["override_reason"] == reason
    assert accepted.data["checklist"][1] == {
        "slot": 1,
        "state": "missing",
        "form": None,
        "note": None,
    }


async def test_digitised_is_what_the_scans_prove_not_what_the_client_claims(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    all_paper = [
        {"slot": 0, "state": "received", "form": "original_seen"},
        {"slot": 1, "state": "received", "form": "certified_copy"},
    ]
    claimed = await submit(api)
    await act(api, claimed, "accept", checklist=all_paper, digitised=True)
    half = await submit(api)
    await api.post(
        f"/api/v1/dossiers/{half}/documents",
        data={"slot": "0", "form": "original_seen"},
        files=[("files", ("to-khai.pdf", FORM))],
    )
    await act(api, half, "accept", checklist=all_paper)
    whole = await submit(api)
    await scan(api, whole)
    await act(api, whole, "accept", checklist=all_paper)

    assert (await _row(sessionmaker, claimed)).digitised is False
    assert (await _row(sessionmaker, half)).digitised is False
    assert (await _row(sessionmaker, whole)).digitised is True
    (accepted,) = await _events(sessionmaker, whole, "accepted")
    assert accepted.data["digitised"] is True


async def test_an_online_paper_given_as_other_is_placed_against_the_checklist(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    body = submission(channel=2, received_by=None)
    receipt = (await api.post("/api/v1/dossiers", json=body)).json()
    code = receipt["code"]
    citizen = {"X-Tracking-Secret": receipt["tracking_secret"]}
    (given,) = await _upload(
        api, f"/api/v1/track/{code}/documents", citizen, "to-khai.pdf", FORM, slot=-1,
        form="electronic",
    )  # fmt: skip
    assert (await _checklist(api, code))["lines"][0]["files"] == 0

    placed = await api.post(
        f"/api/v1/dossiers/{code}/documents/{given['id']}/placement", json={"slot": 0}
    )

    assert placed.status_code == 201, placed.text
    moved = next(d for d in placed.json() if d["slot"] == 0)
    assert moved["placed_from"] == given["id"]
    assert moved["sha256"] == given["sha256"]
    assert moved["form"] == "electronic"
    line = (await _checklist(api, code))["lines"][0]
    assert (line["state"], line["form"], line["files"]) == ("received", "electronic", 1)
    # The content is shared, not copied: both rows read the same bytes.
    clerk = as_(settings, "clerk.phuong-tan-lap")
    assert (await api.get(moved["url"], headers=clerk)).content == FORM
    twice = await api.post(
        f"/api/v1/dossiers/{code}/documents/{moved['id']}/placement", json={"slot": 0}
    )
    assert twice.status_code == 409


async def test_a_representative_owes_the_letter_of_authorisation(api: httpx.AsyncClient) -> None:
    applicant = {
        "full_name": "Nguyễn Thị Hồng Nhung",
        "id_number": "066190001234",
        "phone": "0912345678",
        "representative": {
            "full_name": "Trần Văn Bình",
            "id_number": "066088004321",
            "authorisation": "Giấy ủy quyền số 15/UQ ngày 01/12/2026",
        },
    }
    code = await submit(api, applicant=applicant)

    lines = (await _checklist(api, code))["lines"]
    assert [(x["slot"], x["name_vi"], x["mandatory"]) for x in lines][-1] == (
        -2,
        "Văn bản ủy quyền",
        True,
    )
    marks = [{"slot": x["slot"], "state": "received", "form": "copy"} for x in lines[:-1]]
    refused = await api.post(f"/api/v1/dossiers/{code}/actions/accept", json={"checklist": marks})
    assert refused.status_code == 422
    assert "Văn bản ủy quyền" in refused.json()["detail"][0]["msg"]


@pytest.mark.parametrize(
    ("mark", "field", "kind"),
    [
        ({"slot": 0, "state": "received"}, "checklist.0", "form_required"),
        ({"slot": 0, "state": "defective"}, "checklist.0", "note_required"),
        ({"slot": 7, "state": "missing"}, "checklist.0.slot", "unknown_paper"),
    ],
)
async def test_a_checklist_mark_that_cannot_be_judged_names_its_field(
    api: httpx.AsyncClient, mark: dict[str, Any], field: str, kind: str
) -> None:
    code = await submit(api)

    response = await api.post(
        f"/api/v1/dossiers/{code}/actions/accept",
        json={"checklist": [mark], "override_reason": "Thử"},
    )

    assert response.status_code == 422
    problem = response.json()["detail"][0]
    assert (problem["field"], problem["type"]) == (field, kind)
