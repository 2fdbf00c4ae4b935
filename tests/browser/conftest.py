"""Debian's Chromium under Playwright, against the live server (tests/conftest.py).

Playwright drives /usr/bin/chromium from Debian's package; it never downloads a browser.
Screenshots go to artifacts/screenshots/ for people to look at after the run.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.auth import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


async def fill_online_submission(page: Page, procedure: str, commune: str) -> None:
    """/nop-ho-so filled as a citizen would, up to the button."""
    await page.goto("/nop-ho-so")
    await page.select_option("select[name=procedure_code]", procedure)
    await page.select_option("select[name=commune]", commune)
    await page.fill("input[name=full_name]", "Hoàng Thị Mai")
    await page.fill("input[name=id_number]", "066190001234")
    await page.fill("input[name=phone]", "0912345678")


async def sign_in(page: Page, username: str) -> None:
    """Staff sign in as the pages ask, landing on their queue."""
    await page.goto("/can-bo/dang-nhap")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.stack button[type=submit]")
    await expect(page.locator("h1")).to_contain_text("Hồ sơ cần xử lý")
