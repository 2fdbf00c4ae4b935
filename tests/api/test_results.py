"""The signed result on the real stack: the leader's approval renders the procedure's paper
from the catalogue, signs it on a SoftHSM2 token (the leader, then the unit's seal), keeps
it as the dossier's document and in the registry; the citizen downloads it once returned
electronically; anyone verifies it, and a changed copy fails."""

import hashlib
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from temporalio.client import Client

from api.app import create_app
from api.deps import Resources
from db.models import DossierDocumentRow, DossierEventRow, IssuedResultRow
from db.session import SessionMaker
from motcua.settings import Settings
from motcua.worker import build_worker
from schemas.results import RESULT_SLOT
from signing.pades import load_certificate_file, verify
from tests.api.test_supervision import _province_today
from tests.auth import StaffAuth, bearer
from tests.conftest import EXPIRED_TOKEN
from tests.factories import submission
from tests.journeys import act, drive, submit

JUSTICE = {"procedure_code": "2.000488", "receiving_unit": "xa-vu-bon"}
TO_SIGNATURE = ("accept", "transfer", "assign", "appraise")


def _text(pdf: bytes) -> str:
    """The words of every page, single-spaced: where a line wraps is the typesetter's."""
    pages = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(pages.split())


async def _approved(api: httpx.AsyncClient, **body: str) -> tuple[str, dict[str, Any]]:
    code = await submit(api, **JUSTICE)
    await drive(api, code, *TO_SIGNATURE)
    return code, await act(api, code, "approve", **body)


async def issued_and_stored(
    sessionmaker: SessionMaker, code: str
) -> tuple[list[IssuedResultRow], list[DossierDocumentRow]]:
    """The registry's entries for the dossier, and its stored result files."""
    async with sessionmaker() as session:
        issued = (
            await session.exec(select(IssuedResultRow).where(IssuedResultRow.dossier_code == code))
        ).all()
        stored = (
            await session.exec(
                select(DossierDocumentRow).where(
                    DossierDocumentRow.dossier_code == code,
                    DossierDocumentRow.slot == RESULT_SLOT,
                )
            )
        ).all()
    return list(issued), list(stored)


async def _result(api: httpx.AsyncClient, code: str) -> bytes:
    detail = (await api.get(f"/api/v1/dossiers/{code}")).json()
    result = detail["result"]
    response = await api.get(f"/api/v1/dossiers/{code}/documents/{result['document_id']}")
    assert response.status_code == 200, response.text
    return response.content


async def test_approval_issues_the_procedures_paper_signed_by_the_leader_and_sealed(
    api: httpx.AsyncClient, settings: Settings, sessionmaker: SessionMaker
) -> None:
    code, answer = await _approved(api, decision_number="27")

    assert answer["sub_state"]["code"] == "signed"
    pdf = await _result(api, code)
    text = _text(pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "PHIẾU LÝ LỊCH TƯ PHÁP SỐ 1" in text
    # The register number takes the paper's suffix; the applicant's particulars are printed.
    assert "Số: 27/LLTP" in text
    assert "Nguyễn Thị Hồng Nhung" in text
    assert "066190001234" in text
    assert "SỞ TƯ PHÁP" in text.upper()
    assert code in text
    # Criminal record certificates hold six months (valid_months in the catalogue).
    assert "Có giá trị đến hết ngày" in text

    leader, seal = await verify(pdf, load_certificate_file(Path(settings.signing_trust_roots)))
    assert leader.good
    assert seal.good
    assert leader.signer == "Lãnh đạo đơn vị (DEMO)"
    assert seal.signer.endswith("con dấu")
    # The seal is the last revision: it covers the leader's signature and everything else.
    assert seal.covers_whole_document
    assert not leader.covers_whole_document

    (issued,), stored = await issued_and_stored(sessionmaker, code)
    assert issued.number == "27/LLTP"
    assert issued.kind == "certificate"
    assert issued.holder_id_number == "066190001234"
    assert issued.issuing_unit == "so-tu-phap"
    assert issued.valid_until is not None
    assert 180 <= (issued.valid_until - issued.issued_at).days <= 184
    assert issued.sha256 == hashlib.sha256(pdf).hexdigest()
    assert [d.id for d in stored] == [issued.document_id]


async def test_a_refusal_after_appraisal_issues_a_signed_letter_with_the_reason(
    api: httpx.AsyncClient,
) -> None:
    code, _ = await _approved(
        api, decision="deny", decision_number="8/TB-STP", reason="Người yêu cầu có án tích"
    )

    text = _text(await _result(api, code))
    assert "TỪ CHỐI GIẢI QUYẾT HỒ SƠ" in text
    assert "Người yêu cầu có án tích" in text
    assert "Số: 8/TB-STP" in text
    assert "Có giá trị đến" not in text


async def test_the_public_verification_names_the_signer_and_catches_a_changed_copy(
    api: httpx.AsyncClient,
) -> None:
    code, _ = await _approved(api)
    pdf = await _result(api, code)
    anyone = httpx.AsyncClient(transport=api._transport, base_url="http://motcua.test")

    genuine = await anyone.post("/api/v1/verify", files={"file": ("kq.pdf", pdf)})
    assert genuine.status_code == 200, genuine.text
    body = genuine.json()
    assert body["verdict"] == "genuine"
    assert "15/QĐ-UBND" in body["message_vi"]
    assert "Sở Tư pháp" in body["message_vi"]
    assert [s["good"] for s in body["signatures"]] == [True, True]
    # The public sees whose result it is, not the whole ID number.
    assert body["issued"]["holder_id_number"].endswith("234")
    assert "066190001234" not in genuine.text

    # One changed byte in the decision's text (a date, a name) breaks the signatures.
    at = pdf.index(b"/Contents") - 200
    tampered = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]
    changed = (await anyone.post("/api/v1/verify", files={"file": ("kq.pdf", tampered)})).json()
    assert changed["verdict"] in ("changed", "unknown")
    assert changed["issued"] is None

    by_hash = await anyone.get(
        "/api/v1/verify", params={"code": code, "sha256": hashlib.sha256(pdf).hexdigest()}
    )
    assert by_hash.json()["verdict"] == "genuine"
    wrong = await anyone.get(
        "/api/v1/verify", params={"code": code, "sha256": hashlib.sha256(tampered).hexdigest()}
    )
    assert wrong.json()["verdict"] == "unknown"
    bad = await anyone.get("/api/v1/verify", params={"code": code, "sha256": "abc"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "sha256"
    await anyone.aclose()


async def test_the_citizen_downloads_the_result_only_once_returned_electronically(
    api: httpx.AsyncClient,
) -> None:
    receipt = (await api.post("/api/v1/dossiers", json={**JUSTICE, **_online()})).json()
    code, secret = receipt["code"], receipt["tracking_secret"]
    await drive(api, code, *TO_SIGNATURE, "approve", "mark_result_ready")
    citizen = {"X-Tracking-Secret": secret}
    before = (await api.get(f"/api/v1/track/{code}", headers=citizen)).json()
    assert before["result"] is None
    papers = (await api.get(f"/api/v1/track/{code}/documents", headers=citizen)).json()
    assert all(p["slot"] != RESULT_SLOT for p in papers)
    result_id = (await api.get(f"/api/v1/dossiers/{code}")).json()["result"]["document_id"]
    early = await api.get(f"/api/v1/track/{code}/documents/{result_id}", headers=citizen)
    assert early.status_code == 404

    await act(api, code, "return_result", method="electronic")

    after = (await api.get(f"/api/v1/track/{code}", headers=citizen)).json()
    assert after["result"]["number"] == "15/QĐ-UBND"
    download = await api.get(after["result"]["url"] + "?download=true", headers=citizen)
    assert download.status_code == 200
    assert download.content.startswith(b"%PDF")
    assert "attachment" in download.headers["content-disposition"]


async def test_indicator_4_1_counts_only_delivered_signed_results(
    api: httpx.AsyncClient,
) -> None:
    electronic, _ = await _approved(api)
    await drive(api, electronic, "mark_result_ready")
    await act(api, electronic, "return_result", method="electronic")
    on_paper, _ = await _approved(api)
    await drive(api, on_paper, "mark_result_ready", "return_result")

    period = {
        "start": (_province_today() - timedelta(days=1)).isoformat(),
        "end": (_province_today() + timedelta(days=1)).isoformat(),
    }
    report = await api.get("/api/v1/supervision/statistics", params=period)
    assert report.status_code == 200, report.text
    justice = next(u for u in report.json()["units"] if u["unit"] == "so-tu-phap")
    assert justice["indicators"]["4.1"] == 50.0


async def test_the_registry_finds_a_result_by_id_number_anywhere_and_by_name_in_scope(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    code, _ = await _approved(api)
    elsewhere = {"Authorization": bearer(settings, "clerk.phuong-tan-lap")}

    by_id = await api.get("/api/v1/results", params={"q": "066190001234"}, headers=elsewhere)
    assert by_id.status_code == 200, by_id.text
    (found,) = by_id.json()["items"]
    assert found["dossier_code"] == code
    assert found["number"] == "15/QĐ-UBND"
    assert found["document_url"].endswith(found["document_url"].rsplit("/", 1)[1])

    by_name_elsewhere = await api.get(
        "/api/v1/results", params={"q": "hong nhung"}, headers=elsewhere
    )
    assert by_name_elsewhere.json()["total"] == 0
    here = {"Authorization": bearer(settings, "clerk.xa-vu-bon")}
    by_name_here = await api.get("/api/v1/results", params={"q": "hong nhung"}, headers=here)
    assert [r["dossier_code"] for r in by_name_here.json()["items"]] == [code]
    admin = {"Authorization": bearer(settings, "admin.dak-lak")}
    assert (await api.get("/api/v1/results", params={"q": code}, headers=admin)).status_code == 403


def _online() -> dict[str, object]:
    return {**submission(), **JUSTICE, "channel": 2}


@pytest.fixture
async def api_expired(
    settings: Settings, engine: AsyncEngine, sessionmaker: SessionMaker, temporal_client: Client
) -> AsyncIterator[httpx.AsyncClient]:
    """The stack whose token holds certificates that expired a month ago."""
    expired = settings.model_copy(update={"signing_token_label": EXPIRED_TOKEN})
    resources = Resources(expired, engine, sessionmaker, temporal_client)
    app = create_app(expired, resources=resources)
    async with (
        build_worker(temporal_client, expired, sessionmaker),
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://motcua.test",
            auth=StaffAuth(expired),
        ) as client,
    ):
        yield client


async def test_an_expired_certificate_refuses_to_sign_and_the_leader_is_told_why(
    api_expired: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    code = await submit(api_expired, **JUSTICE)
    await drive(api_expired, code, *TO_SIGNATURE)

    response = await api_expired.post(
        f"/api/v1/dossiers/{code}/actions/approve",
        json={"actor": "leader.a", "decision": "grant", "decision_number": "15"},
    )

    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail["code"] == "signing_refused"
    assert detail["reason"] == "certificate_expired"
    assert "hết hạn" in detail["message"]
    dossier = (await api_expired.get(f"/api/v1/dossiers/{code}")).json()
    assert dossier["sub_state"]["code"] == "awaiting_signature"
    assert dossier["signing_failure"]["reason"] == "certificate_expired"
    assert dossier["result"] is None
    assert dossier["decision"] is None
    assert "approve" in [a["action"] for a in dossier["allowed_actions"]]
    async with sessionmaker() as session:
        issued = (await session.exec(select(func.count()).select_from(IssuedResultRow))).one()
        failed = (
            await session.exec(
                select(DossierEventRow).where(
                    DossierEventRow.dossier_code == code, DossierEventRow.type == "signing_failed"
                )
            )
        ).all()
    assert issued == 0
    assert [e.data["reason"] for e in failed] == ["certificate_expired"]


async def test_the_receipt_a_citizen_holds_carries_the_units_seal(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    receipt = (await api.post("/api/v1/dossiers", json={**JUSTICE, **_online()})).json()
    await act(api, receipt["code"], "accept")

    response = await api.get(
        f"/api/v1/track/{receipt['code']}/receipt",
        headers={"X-Tracking-Secret": receipt["tracking_secret"]},
    )

    assert response.status_code == 200
    (seal,) = await verify(
        response.content, load_certificate_file(Path(settings.signing_trust_roots))
    )
    assert seal.good
    assert seal.signer.endswith("con dấu")
    # Sealed once, kept: the next download is the same file.
    again = await api.get(f"/api/v1/dossiers/{receipt['code']}/forms/01")
    assert again.content == response.content
