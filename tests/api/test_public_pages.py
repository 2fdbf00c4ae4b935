"""What anyone reads without signing in: the catalogue and the units' scoreboard."""

import io

import httpx
from pypdf import PdfReader

from tests.journeys import drive, submit

JUSTICE = {"procedure_code": "2.000488", "receiving_unit": "xa-vu-bon"}


async def test_the_catalogue_finds_a_procedure_and_tells_what_to_bring(
    app_without_worker: httpx.AsyncClient,
) -> None:
    anyone = httpx.AsyncClient(
        transport=app_without_worker._transport, base_url="http://motcua.test"
    )

    found = await anyone.get("/thu-tuc", params={"q": "ly lich tu phap"})
    page = await anyone.get("/thu-tuc/2.000488")
    blank = await anyone.get("/thu-tuc/2.000488/don-de-nghi.pdf")
    missing = await anyone.get("/thu-tuc/9.999999")

    assert found.status_code == 200
    assert "Cấp Phiếu lý lịch tư pháp" in found.text
    assert "Đăng ký khai sinh" not in found.text
    assert "10 ngày làm việc" in page.text
    assert "200.000 đồng" in page.text
    assert "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp" in page.text
    assert "Sở Tư pháp" in page.text
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(blank.content)).pages).split()
    )
    assert "ĐƠN ĐỀ NGHỊ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text
    assert "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp" in text
    assert missing.status_code == 404
    await anyone.aclose()


async def test_the_scoreboard_shows_each_units_on_time_share(api: httpx.AsyncClient) -> None:
    code = await submit(api, **JUSTICE)
    await drive(api, code, "accept", "transfer", "assign", "appraise", "approve")
    await drive(api, code, "mark_result_ready")
    anyone = httpx.AsyncClient(transport=api._transport, base_url="http://motcua.test")

    board = await anyone.get("/bang-xep-hang")

    assert board.status_code == 200
    assert 'data-unit="so-tu-phap"' in board.text
    row = board.text.split('data-unit="so-tu-phap"', 1)[1].split("</tr>", 1)[0]
    assert "100.0 %" in row
    await anyone.aclose()
