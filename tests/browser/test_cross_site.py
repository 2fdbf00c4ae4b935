"""A page of another origin (another port of the same host: the same *site*, so the
SameSite=Strict cookie rides along) cannot make a signed-in clerk's browser act."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from playwright.async_api import Browser, expect

from motcua.settings import Settings
from tests.auth import PASSWORD, bearer
from tests.conftest import free_port
from tests.factories import submission

CLERK = "clerk.phuong-tan-lap"


@contextlib.asynccontextmanager
async def _attacker_site(html: str) -> AsyncIterator[str]:
    """A one-page web server on another port of 127.0.0.1."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        body = html.encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()

    port = free_port()
    server = await asyncio.start_server(answer, "127.0.0.1", port)
    async with server:
        yield f"http://127.0.0.1:{port}"


async def test_a_page_on_another_port_cannot_refuse_a_dossier_through_the_clerk(
    browser: Browser, live_server: str, settings: Settings, screenshots: Path
) -> None:
    async with httpx.AsyncClient(base_url=live_server) as api:
        created = await api.post(
            "/api/v1/dossiers",
            json=submission(),
            headers={"Authorization": bearer(settings, CLERK)},
        )
        code = created.json()["code"]
    context = await browser.new_context(base_url=live_server)
    page = await context.new_page()
    await page.goto("/can-bo/dang-nhap")
    await page.fill("input[name=username]", CLERK)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.stack button[type=submit]")
    await expect(page.locator("h1")).to_contain_text("Hồ sơ cần xử lý")

    form = (
        f'<form id="f" method="post" action="{live_server}/can-bo/ho-so/{code}/refuse">'
        '<input name="reason" value="Giả mạo"></form>'
        '<script>document.getElementById("f").submit()</script>'
    )
    async with _attacker_site(form) as attacker:
        async with page.expect_response(lambda r: f"/can-bo/ho-so/{code}/refuse" in r.url) as sent:
            await page.goto(attacker)
        refused = await sent.value
        await page.screenshot(path=screenshots / "cross-site-refused.png")

    assert refused.status == 403
    assert "không được gửi từ trang của hệ thống" in await refused.text()
    async with httpx.AsyncClient(base_url=live_server) as api:
        dossier = await api.get(
            f"/api/v1/dossiers/{code}", headers={"Authorization": bearer(settings, CLERK)}
        )
    assert dossier.json()["status"]["code"] == 1
    assert [e["type"] for e in dossier.json()["timeline"]] == ["submitted"]
    # The clerk's own page still acts: the same form from the site itself goes through.
    await page.goto(f"{live_server}/can-bo/ho-so/{code}")
    await expect(page.locator("h1")).to_contain_text(code)
