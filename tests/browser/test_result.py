"""A citizen on a phone downloads the signed result of her dossier from /tra-cuu once the
counter returned it electronically, and checks it on the public verification page."""

import io
from pathlib import Path
from urllib.parse import urlencode

import httpx
from playwright.async_api import Browser, FilePayload, expect
from pypdf import PdfReader

from motcua.settings import Settings
from tests.auth import StaffAuth
from tests.browser.conftest import fill_online_submission, sign_in
from tests.journeys import act, drive

PROCEDURE, COMMUNE = "1.001193", "phuong-tan-lap"


async def test_the_citizen_downloads_the_signed_result_and_verifies_it(
    browser: Browser, live_server: str, screenshots: Path, settings: Settings
) -> None:
    phone = await browser.new_context(
        base_url=live_server, viewport={"width": 360, "height": 740}, accept_downloads=True
    )
    citizen = await phone.new_page()
    await fill_online_submission(citizen, PROCEDURE, COMMUNE)
    await citizen.click("#submit-form button[type=submit]")
    code = (await citizen.text_content("#dossier-code") or "").strip()
    secret = (await citizen.text_content("#tracking-secret") or "").strip()

    async with httpx.AsyncClient(
        base_url=live_server, auth=StaffAuth(settings), timeout=60
    ) as staff:
        await drive(staff, code, "accept", "transfer", "assign", "appraise", "approve")
        await drive(staff, code, "mark_result_ready")
        await act(staff, code, "return_result", method="electronic")

    await citizen.goto("/tra-cuu?" + urlencode({"code": code, "secret": secret}))
    result = citizen.locator("#ket-qua")
    await expect(result).to_contain_text("15/QĐ-UBND")
    width = await citizen.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    await citizen.screenshot(path=screenshots / "30-citizen-result-phone.png", full_page=True)
    async with citizen.expect_download() as waiting:
        await citizen.click("#result-link")
    download = await waiting.value
    saved = screenshots / "30-result.pdf"
    await download.save_as(saved)
    pdf = saved.read_bytes()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "TRÍCH LỤC KHAI SINH" in text
    assert "Hoàng Thị Mai" in text

    await citizen.goto("/xac-thuc")
    await citizen.set_input_files(
        "#verify-file input[type=file]",
        FilePayload(name="ket-qua.pdf", mimeType="application/pdf", buffer=pdf),
    )
    await citizen.click("#verify-file button[type=submit]")
    verdict = citizen.locator("#verdict")
    await expect(verdict).to_have_attribute("data-verdict", "genuine")
    await expect(verdict).to_contain_text("chữ ký số hợp lệ")
    await expect(citizen.locator("#signatures tbody tr")).to_have_count(2)
    width = await citizen.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    await citizen.screenshot(path=screenshots / "31-verify-phone.png", full_page=True)

    desk = await browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    clerk = await desk.new_page()
    await sign_in(clerk, f"clerk.{COMMUNE}")
    await clerk.goto("/can-bo/ket-qua?" + urlencode({"q": "066190001234"}))
    await expect(clerk.locator("#registry tbody")).to_contain_text("15/QĐ-UBND")
    await clerk.screenshot(path=screenshots / "32-registry-desktop.png", full_page=True)
    await clerk.goto(f"/can-bo/ho-so/{code}")
    await expect(clerk.locator("#result-number")).to_contain_text("15/QĐ-UBND")
    await clerk.screenshot(path=screenshots / "33-dossier-result-desktop.png", full_page=True)
