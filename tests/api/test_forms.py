"""Forms 01–05 in Vietnamese: issued with the dossier, downloadable as PDF."""

import io
from datetime import datetime
from html import escape

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import update
from sqlmodel import col, select

from activities.forms import locality
from db.models import DossierEventRow, DossierFormRow, DossierRow, OrgUnitRow
from db.session import SessionMaker
from tests.factories import submission
from tests.journeys import act, drive, submit


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def _download(api: httpx.AsyncClient, code: str, form: str) -> str:
    response = await api.get(f"/api/v1/dossiers/{code}/forms/{form}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    return _text(response.content)


async def test_receipt_form_01_carries_code_due_date_and_tracking_secret(
    api: httpx.AsyncClient,
) -> None:
    receipt = (await api.post("/api/v1/dossiers", json=submission())).json()
    code = receipt["code"]
    await act(api, code, "accept")

    text = await _download(api, code, "01")

    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert code in text
    assert "Nguyễn Thị Hồng Nhung" in text
    assert "Đăng ký khai sinh" in text
    assert receipt["tracking_secret"] in text
    assert "Giấy chứng sinh" in text  # the required documents


async def test_supplement_refusal_apology_and_stop_forms(api: httpx.AsyncClient) -> None:
    supplement = await submit(api)
    await act(
        api,
        supplement,
        "request_supplement",
        missing_documents=["Bản sao giấy đăng ký kết hôn của cha mẹ"],
    )
    refused = await submit(api)
    await act(api, refused, "refuse", reason="Hồ sơ không thuộc thẩm quyền giải quyết")
    late = await submit(api)
    await drive(api, late, "accept", "transfer", "assign")
    await act(api, late, "draft_extension", reason="Chờ kết quả xác minh của cơ quan công an")
    await act(api, late, "approve_extension")
    stopped = await submit(api)
    await act(api, stopped, "stop", reason="Công dân đề nghị dừng")

    assert "Bản sao giấy đăng ký kết hôn của cha mẹ" in await _download(api, supplement, "02")
    assert "Hồ sơ không thuộc thẩm quyền giải quyết" in await _download(api, refused, "03")
    apology = await _download(api, late, "04")
    assert "XIN LỖI" in apology
    assert "Chờ kết quả xác minh của cơ quan công an" in apology
    assert "Công dân đề nghị dừng" in await _download(api, stopped, "05")


async def test_the_heading_and_place_come_from_the_catalogue(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    # Another province runs the same engine: its forms carry its own name, not Đắk Lắk's.
    await _rename_province(sessionmaker, "Ủy ban nhân dân tỉnh Phú Yên")
    try:
        code = await submit(api)
        await act(api, code, "accept")
    finally:
        await _rename_province(sessionmaker, "Ủy ban nhân dân tỉnh Đắk Lắk")
    html = (await _form_row(sessionmaker, code)).html
    assert html is not None

    assert "ỦY BAN NHÂN DÂN TỈNH PHÚ YÊN<br>" in html  # the body the commune answers to
    assert "PHƯỜNG TÂN LẬP" in html  # the receiving ward, which issued it
    assert "Phú Yên, ngày" in html
    assert "TỈNH ĐẮK LẮK" not in html
    assert "Đắk Lắk, ngày" not in html


@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("Ủy ban nhân dân tỉnh Đắk Lắk", "Đắk Lắk"),
        ("Uỷ ban nhân dân tỉnh Đắk Lắk", "Đắk Lắk"),
        ("Ủy ban nhân dân thành phố Hà Nội", "Hà Nội"),
        ("Tỉnh Gia Lai", "Gia Lai"),
        ("Đắk Lắk", "Đắk Lắk"),
    ],
)
def test_a_provinces_place_name(name: str, place: str) -> None:
    assert locality(name) == place


async def _rename_province(sessionmaker: SessionMaker, name: str) -> None:
    async with sessionmaker() as session:
        await session.exec(
            update(OrgUnitRow).where(col(OrgUnitRow.code) == "dak-lak").values(name_vi=name)
        )
        await session.commit()


async def test_a_form_not_issued_is_404(api: httpx.AsyncClient) -> None:
    code = await submit(api)

    response = await api.get(f"/api/v1/dossiers/{code}/forms/03")

    assert response.status_code == 404
    assert "mẫu số 03" in response.json()["detail"]["message"]


async def test_a_form_is_issued_as_words_and_typeset_once_on_first_download(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    code = await submit(api)
    await act(api, code, "accept")
    issued = await _form_row(sessionmaker, code)

    first = await api.get(f"/api/v1/dossiers/{code}/forms/01")
    kept = await _form_row(sessionmaker, code)
    second = await api.get(f"/api/v1/dossiers/{code}/forms/01")

    assert issued.html is not None
    assert code in issued.html
    assert issued.content is None  # the action did not wait for typesetting
    assert kept.content == first.content
    assert second.content == first.content


async def test_form_01_prints_the_date_and_explanation_the_acceptance_logged(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    # Planned, logged and issued in one step: the event, the projection and the form agree.
    code = await submit(api)
    detail = await act(api, code, "accept")
    form = await _form_row(sessionmaker, code)
    async with sessionmaker() as session:
        dossier = (await session.exec(select(DossierRow).where(DossierRow.code == code))).one()
        accepted = (
            await session.exec(
                select(DossierEventRow).where(
                    DossierEventRow.dossier_code == code, DossierEventRow.type == "accepted"
                )
            )
        ).one()

    explanation = dossier.snapshot["due_explanation_vi"]
    assert dossier.due_at is not None
    assert explanation
    assert accepted.data["due_at"] == dossier.due_at.isoformat()
    assert datetime.fromisoformat(detail["due"]["due_at"]) == dossier.due_at
    assert form.seq == accepted.seq
    assert form.html is not None
    assert f"Cách tính thời hạn: {escape(explanation)}" in form.html


async def _form_row(sessionmaker: SessionMaker, code: str) -> DossierFormRow:
    async with sessionmaker() as session:
        return (
            await session.exec(select(DossierFormRow).where(DossierFormRow.dossier_code == code))
        ).one()
