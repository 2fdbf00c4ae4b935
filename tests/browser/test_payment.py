"""A citizen on a phone pays a fee charged at submission from /tra-cuu: the page's button
leads to the payment gateway (simulated in its own process) and back, in a real browser,
which enforces the page's Content-Security-Policy on that redirect."""

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from playwright.async_api import Browser, expect

from motcua.settings import Settings
from tests.auth import StaffAuth
from tests.factories import submission
from tests.paygate import GATEWAY_PORT, gateway_beside, with_gateway

COPIES = {"procedure_code": "2.000815", "receiving_unit": "phuong-tan-lap"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_gateway(settings)


@pytest.fixture
def site(live_server: str, settings: Settings) -> Iterator[str]:
    with gateway_beside(live_server, settings) as site:
        yield site


async def test_a_citizen_pays_the_fee_online_from_the_tracking_page(
    browser: Browser, site: str, settings: Settings, screenshots: Path
) -> None:
    async with httpx.AsyncClient(base_url=site, auth=StaffAuth(settings), timeout=60) as staff:
        receipt = (await staff.post("/api/v1/dossiers", json=submission(**COPIES))).json()
    code, secret = receipt["code"], receipt["tracking_secret"]
    phone = await browser.new_context(base_url=site, viewport={"width": 360, "height": 740})
    page = await phone.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)

    await page.goto("/tra-cuu?" + urlencode({"code": code, "secret": secret}))
    fee = page.locator("#thanh-toan")
    await expect(fee).to_contain_text("2.000 đồng")
    await expect(fee).to_contain_text("hồ sơ được tiếp nhận khi khoản phí được ghi nhận")
    await page.screenshot(path=screenshots / "40-fee-at-submission-phone.png", full_page=True)
    await page.click("#thanh-toan button[type=submit]")

    await page.wait_for_url(f"http://127.0.0.1:{GATEWAY_PORT}/pay?**")
    assert not refused, refused
    await page.click("button[type=submit]")

    outcome = page.locator("#payment-outcome")
    await expect(outcome).to_contain_text("thanh toán thành công")
    assert page.url.startswith(f"{site}/tra-cuu")
    await page.reload()
    await expect(page.locator("#fee-receipt")).to_be_visible()
    await expect(page.locator("#thanh-toan")).to_have_count(0)
    await page.screenshot(path=screenshots / "41-fee-paid-phone.png", full_page=True)
    async with httpx.AsyncClient(base_url=site, auth=StaffAuth(settings), timeout=60) as staff:
        detail = (await staff.get(f"/api/v1/dossiers/{code}")).json()
    assert [e["type"] for e in detail["timeline"]].count("payment_recorded") == 1
    assert detail["status"]["code"] == 1
