"""The citizen's side on a 360 px phone: every public page passes axe-core's WCAG 2.1 AA
rules with no serious violation and fits the screen; a rating given with the keyboard; a
complaint filed, answered by the unit, and read back."""

from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from motcua.settings import Settings
from tests.auth import StaffAuth
from tests.browser.accessibility import violations
from tests.browser.conftest import sign_in
from tests.factories import submission
from tests.journeys import drive

JUSTICE = {"procedure_code": "2.000488", "receiving_unit": "xa-vu-bon"}
PUBLIC = ["/", "/nop-ho-so", "/tra-cuu", "/thu-tuc", "/thu-tuc/2.000488", "/bang-xep-hang",
          "/xac-thuc", "/phan-anh"]  # fmt: skip


async def _phone(browser: Browser, live_server: str) -> Page:
    context = await browser.new_context(
        base_url=live_server, viewport={"width": 360, "height": 740}
    )
    return await context.new_page()


async def _fits_and_passes(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, page.url
    found = await violations(page)
    assert found == [], f"{page.url}: {found}"


async def test_every_public_page_is_usable_on_a_phone_and_by_a_screen_reader(
    browser: Browser, live_server: str
) -> None:
    page = await _phone(browser, live_server)
    for path in PUBLIC:
        response = await page.goto(path)
        assert response is not None
        assert response.status == 200, path
        await _fits_and_passes(page)


@pytest.fixture
async def returned(live_server: str, settings: Settings) -> tuple[str, str]:
    async with httpx.AsyncClient(
        base_url=live_server, auth=StaffAuth(settings), timeout=60
    ) as staff:
        receipt = (await staff.post("/api/v1/dossiers", json=submission(**JUSTICE))).json()
        code = receipt["code"]
        await drive(staff, code, "accept", "transfer", "assign", "appraise", "approve")
        await drive(staff, code, "mark_result_ready", "return_result")
    return code, receipt["tracking_secret"]


async def test_a_citizen_rates_the_service_with_the_keyboard(
    browser: Browser, live_server: str, screenshots: Path, returned: tuple[str, str]
) -> None:
    code, secret = returned
    page = await _phone(browser, live_server)
    await page.goto("/tra-cuu?" + urlencode({"code": code, "secret": secret}))
    await _fits_and_passes(page)

    for criterion, score in (("publicity", 5), ("attitude", 4), ("timeliness", 4), ("outcome", 5)):
        await page.focus(f"#rating-form input[name={criterion}][value='{score}']")
        await page.keyboard.press("Space")
    await page.fill("#rating-form textarea[name=comment]", "Cán bộ hướng dẫn tận tình")
    await page.focus("#rating-form button[type=submit]")
    await page.keyboard.press("Enter")

    await expect(page.locator("#rated")).to_be_visible()
    await page.screenshot(path=screenshots / "40-rated-phone.png", full_page=True)


async def test_a_complaint_is_filed_answered_and_read_back(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    page = await _phone(browser, live_server)
    await page.goto("/phan-anh")
    await page.fill("#complaint-form input[name=full_name]", "Hoàng Thị Mai")
    await page.fill("#complaint-form input[name=phone]", "0912345678")
    await page.select_option("#complaint-form select[name=unit]", "xa-vu-bon")
    await page.fill("#complaint-form input[name=subject]", "Chờ lâu ở quầy")
    await page.fill(
        "#complaint-form textarea[name=content]", "Sáng nay tôi chờ hơn một giờ mới được tiếp nhận."
    )
    await page.click("#complaint-form button[type=submit]")
    await expect(page.locator("#complaint-filed")).to_be_visible()
    case = (await page.text_content("h1") or "").split()[-1]
    assert case.startswith("PAKN-")
    await _fits_and_passes(page)
    await page.screenshot(path=screenshots / "41-complaint-filed-phone.png", full_page=True)

    desk = await browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    leader = await desk.new_page()
    await sign_in(leader, "leader.xa-vu-bon")
    await leader.goto("/can-bo/phan-anh")
    section = leader.locator(f"#case-{case}")
    await section.locator("textarea[name=answer]").fill(
        "Xã đã bố trí thêm một quầy tiếp nhận vào buổi sáng."
    )
    await section.locator("button[type=submit]").click()
    await expect(leader.locator(f"#case-{case}")).to_have_count(0)

    await page.goto(f"/phan-anh/{case}")
    await expect(page.locator("#answer")).to_contain_text("thêm một quầy")
    await page.goto("/phan-anh")
    await expect(page.locator("#published")).to_contain_text("Chờ lâu ở quầy")
