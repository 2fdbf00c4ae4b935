"""A citizen on a phone sends papers with the online submission and adds one from the
tracking page; the counter clerk sees them in the dossier page, with a preview."""

from pathlib import Path
from urllib.parse import urlencode

from playwright.async_api import Browser, FilePayload, expect

from tests.browser.conftest import fill_online_submission, sign_in

PROCEDURE, COMMUNE = "1.001193", "phuong-tan-lap"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" + b"%" * 2000 + b"\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


async def test_a_citizen_on_a_phone_sends_papers_and_the_clerk_sees_them(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    phone = await browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740})
    citizen = await phone.new_page()
    await fill_online_submission(citizen, PROCEDURE, COMMUNE)
    await citizen.set_input_files(
        "#submit-form input[type=file]",
        [
            FilePayload(name="to-khai.pdf", mimeType="application/pdf", buffer=PDF),
            FilePayload(name="anh-cccd.png", mimeType="image/png", buffer=PNG),
        ],
    )
    await citizen.click("#submit-form button[type=submit]")
    code = (await citizen.text_content("#dossier-code") or "").strip()
    secret = (await citizen.text_content("#tracking-secret") or "").strip()
    assert code
    assert secret

    await citizen.goto("/tra-cuu?" + urlencode({"code": code, "secret": secret}))
    papers = citizen.locator("#giay-to table.papers tbody tr")
    await expect(papers).to_have_count(2)
    await citizen.select_option("#giay-to select[name=slot]", "0")
    await citizen.set_input_files(
        "#giay-to input[type=file]",
        FilePayload(name="to-khai-ky.pdf", mimeType="application/pdf", buffer=PDF + b"%signed"),
    )
    await citizen.click("#giay-to button[type=submit]")
    await expect(papers).to_have_count(3)
    await expect(citizen.locator("#giay-to")).to_contain_text("to-khai-ky.pdf")
    # Nothing runs off a 360 px screen but the table, which scrolls inside its frame.
    width = await citizen.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    await citizen.screenshot(path=screenshots / "20-citizen-papers-phone.png", full_page=True)

    desk = await browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    clerk = await desk.new_page()
    await sign_in(clerk, f"clerk.{COMMUNE}")
    await clerk.goto(f"/can-bo/ho-so/{code}")
    rows = clerk.locator("#tai-lieu table.papers tbody tr")
    await expect(rows).to_have_count(3)
    image = clerk.locator("#tai-lieu tr", has_text="anh-cccd.png")
    await image.locator("summary").click()
    preview = image.locator("img")
    await expect(preview).to_be_visible()
    loaded = await preview.evaluate("img => img.complete && img.naturalWidth")
    assert loaded == 1
    await clerk.screenshot(path=screenshots / "21-clerk-papers-desktop.png", full_page=True)
