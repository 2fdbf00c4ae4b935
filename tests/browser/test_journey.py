"""The whole journey in a real browser: a citizen submits online, the counter receives it,
an officer and a leader act, the citizen sees the result; and the supervisor's page."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jwt
from playwright.async_api import Browser, FilePayload, Page, expect

from motcua.settings import Settings
from schemas.events import EventType
from schemas.lifecycle import ACTIONS, Action, Role
from tests.auth import PASSWORD, SUPERVISOR, bearer
from tests.browser.conftest import fill_online_submission

PROCEDURE, COMMUNE = "1.001193", "phuong-tan-lap"
DECLARATION = b"%PDF-1.7\n% to khai dang ky khai sinh\n" + bytes(range(256)) * 16
# What each step's form needs; the rest of every form is optional.
STEPS: list[tuple[str, dict[str, str]]] = [
    ("accept", {}),
    ("transfer", {}),
    ("assign", {"officer": f"officer.{COMMUNE}"}),
    ("appraise", {"result": "sufficient", "findings": "Hồ sơ hợp lệ, đủ thành phần."}),
    ("approve", {"decision": "grant", "decision_number": "15/QĐ-UBND"}),
    ("mark_result_ready", {}),
    ("return_result", {"method": "electronic"}),
]


class Staff:
    """One signed-in browser context per account, opened when first needed."""

    def __init__(self, browser: Browser, base: str) -> None:
        self._browser, self._base = browser, base
        self._pages: dict[str, Page] = {}

    async def page(self, username: str) -> Page:
        if username not in self._pages:
            context = await self._browser.new_context(base_url=self._base)
            page = await context.new_page()
            await page.goto("/can-bo/dang-nhap")
            await page.fill("input[name=username]", username)
            await page.fill("input[name=password]", PASSWORD)
            await page.click("form.stack button[type=submit]")
            await expect(page.locator("h1")).to_contain_text("Hồ sơ cần xử lý")
            self._pages[username] = page
        return self._pages[username]


async def test_citizen_submits_staff_act_and_the_citizen_sees_the_result(
    browser: Browser, live_server: str, screenshots: Path, settings: Settings
) -> None:
    # The citizen is on a phone.
    phone = await browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    citizen = await phone.new_page()
    await fill_online_submission(citizen, PROCEDURE, COMMUNE)
    await citizen.set_input_files(
        "#submit-form input[name=files]",
        files=[FilePayload(name="to-khai.pdf", mimeType="application/pdf", buffer=DECLARATION)],
    )
    await citizen.click("#submit-form button[type=submit]")
    code = (await citizen.text_content("#dossier-code") or "").strip()
    secret = (await citizen.text_content("#tracking-secret") or "").strip()
    await citizen.screenshot(path=screenshots / "01-citizen-submitted.png", full_page=True)
    assert code
    assert secret

    staff = Staff(browser, live_server)
    for action, fields in STEPS:
        role = _role(action)
        clerk = await staff.page(f"clerk.{COMMUNE}")
        await clerk.goto(f"/can-bo/ho-so/{code}")
        holder = await clerk.get_attribute("#holder", "data-unit")
        page = await staff.page(f"{role.value}.{holder}")
        await page.goto(f"/can-bo/ho-so/{code}")
        shown = await page.locator("details.action").evaluate_all(
            "nodes => nodes.map(n => n.dataset.action)"
        )
        allowed = await _allowed_for(live_server, settings, code, page, role)
        if action == "accept":
            # At the counter's check the two intake decisions are the checklist's buttons.
            assert shown == [a for a in allowed if a not in CHECKLIST_ACTIONS], shown
            await _check_every_paper(page, screenshots)
            await expect(page.locator(".alert.ok")).to_have_attribute("data-done", action)
            await expect(page.locator("#holder")).to_have_text("Phường Tân Lập")
            await page.screenshot(path=screenshots / "02-clerk-dossier.png", full_page=True)
            # The counter's queue fits a 1280 px screen: the due date is not cut off.
            await page.set_viewport_size({"width": 1280, "height": 800})
            await page.goto("/can-bo/hang-doi")
            await expect(page.locator("h1")).to_contain_text("Phường Tân Lập")
            fits = await page.locator("#queue").evaluate("n => n.scrollWidth <= n.clientWidth")
            assert fits, "the queue table overflows a 1280 px window"
            await page.screenshot(path=screenshots / "02b-queue-1280.png", full_page=True)
            continue
        # The buttons are exactly what the workflow allows this person now.
        assert shown == allowed, shown
        form = page.locator(f"details.action[data-action={action}]")
        await form.locator("summary").click()
        for name, value in fields.items():
            field = form.locator(f"[name={name}]")
            if await field.evaluate("n => n.tagName") == "SELECT":
                await field.select_option(value)
            else:
                await field.fill(value)
        await form.locator("button[type=submit]").click()
        await expect(page.locator(".alert.ok")).to_have_attribute("data-done", action)

    await citizen.goto(f"/tra-cuu?code={code}&secret={secret}")
    await expect(citizen.locator("#status")).to_have_text("Đã trả kết quả")
    await expect(citizen.locator(".timeline li").last).to_contain_text(
        EventType.RESULT_RETURNED.label_vi
    )
    receipt = await citizen.request.get(f"/tra-cuu/{code}/giay-tiep-nhan.pdf?secret={secret}")
    await citizen.screenshot(path=screenshots / "03-citizen-result.png", full_page=True)
    assert receipt.ok
    assert (await receipt.body()).startswith(b"%PDF")


async def test_an_illegal_action_and_a_wrong_secret_read_in_plain_vietnamese(
    browser: Browser, live_server: str, screenshots: Path, settings: Settings
) -> None:
    expired = jwt.encode(
        {"sub": f"clerk.{COMMUNE}", "exp": datetime.now(UTC) - timedelta(minutes=1)},
        settings.secret_key,
        algorithm="HS256",
    )
    page = await (await browser.new_context(base_url=live_server)).new_page()
    await page.goto("/tra-cuu?code=H15.99-261122-0001&secret=sai-ma")
    await expect(page.locator(".alert.error")).to_contain_text(
        "Không tìm thấy hồ sơ với mã và mã tra cứu đã nhập."
    )
    await page.goto("/can-bo/hang-doi")
    await expect(page.locator(".alert.error")).to_contain_text("Vui lòng đăng nhập")
    await page.context.add_cookies(
        [{"name": "motcua_session", "value": expired, "url": live_server}]
    )
    await page.goto("/can-bo/hang-doi")
    await expect(page.locator(".alert.error")).to_contain_text("Phiên đăng nhập đã hết hạn")
    await page.goto("/khong-co-trang-nay")
    await expect(page.locator(".alert.error")).to_contain_text("Không tìm thấy trang.")
    await page.screenshot(path=screenshots / "04-errors.png", full_page=True)
    assert "Traceback" not in await page.content()
    await page.goto("/ngon-ngu/en?next=/tra-cuu")
    await expect(page.locator("h1")).to_have_text("Track a dossier")


async def test_supervisor_sees_breaches_chart_indicators_and_live_events(
    browser: Browser, live_server: str, screenshots: Path, settings: Settings
) -> None:
    async with httpx.AsyncClient(base_url=live_server) as api:
        clerk = {"Authorization": bearer(settings, f"clerk.{COMMUNE}")}
        body = {
            "procedure_code": PROCEDURE,
            "receiving_unit": COMMUNE,
            "channel": 1,
            "applicant": {
                "full_name": "Y Moan Niê",
                "id_number": "066090004321",
                "phone": "0905123456",
            },
        }
        code = (await api.post("/api/v1/dossiers", json=body, headers=clerk)).json()["code"]
    staff = Staff(browser, live_server)
    page = await staff.page(SUPERVISOR)
    await page.goto("/giam-sat")
    await expect(page.locator("#indicators tbody tr")).to_have_count(1)
    await expect(page.locator("#indicators")).to_contain_text("Phường Tân Lập")
    assert await page.locator("#on-time-chart").evaluate("c => !!c.chart")

    async with httpx.AsyncClient(base_url=live_server) as api:
        complete = [{"slot": slot, "state": "received", "form": "copy"} for slot in (0, 1)]
        response = await api.post(
            f"/api/v1/dossiers/{code}/actions/accept",
            json={"checklist": complete},
            headers=clerk,
        )
        assert response.status_code == 200, response.text
    await expect(page.locator("#live li").first).to_contain_text(code)
    await page.screenshot(path=screenshots / "05-supervisor.png", full_page=True)


CHECKLIST_ACTIONS = ("accept", "request_supplement")


async def _check_every_paper(page: Page, screenshots: Path) -> None:
    """The clerk places the citizen's online file against the declaration, marks every
    paper received as an electronic copy, and accepts."""
    place = page.locator("form.place").first
    await place.locator("select[name=slot]").select_option("0")
    await place.locator("button").click()
    checklist = page.locator("#kiem-tra")
    await expect(checklist.locator("tr[data-slot='0'] td").first).to_contain_text("1 tệp đã lưu")
    for row in await checklist.locator("tbody tr").all():
        await row.locator("input[value=received]").check()
        await row.locator("select").select_option("electronic")
    await checklist.screenshot(path=screenshots / "02a-checklist.png")
    await checklist.locator("button[value=accept]").click()


def _role(action: str) -> Role:
    roles = ACTIONS[Action(action)].performed_by - {Role.CITIZEN}
    return Role.CLERK if Role.CLERK in roles else next(iter(roles))


async def _allowed_for(
    base: str, settings: Settings, code: str, page: Page, role: Role
) -> list[str]:
    """The API's answer for the same person: the workflow's actions this role may take."""
    holder = await page.get_attribute("#holder", "data-unit")
    username = f"{role.value}.{holder}"
    async with httpx.AsyncClient(base_url=base) as api:
        detail = (
            await api.get(
                f"/api/v1/dossiers/{code}", headers={"Authorization": bearer(settings, username)}
            )
        ).json()
    return [
        a["action"]
        for a in detail["allowed_actions"]
        if role in ACTIONS[Action(a["action"])].performed_by
    ]
