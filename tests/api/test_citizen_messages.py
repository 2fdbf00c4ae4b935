"""Messages to the applicant on the real stack: an SMS gateway and Zalo ZNS simulated by a
process of their own (simulators/gateways.py), a real SMTP server (aiosmtpd) in
another; the outbox's clock pinned, so that night and day are the test's choice."""

import asyncio
import mailbox
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pypdfium2 as pdfium
import pytest
import zxingcpp
from sqlmodel import col, select
from temporalio.client import Client

from db.models import NotificationRow
from db.session import SessionMaker
from motcua.settings import Settings
from motcua.worker import build_worker
from schemas.messages import CITIZEN_KIND
from simulators.gateways import ACCESS_TOKEN
from simulators.process import python_module, serving
from tests.auth import bearer
from tests.conftest import free_port
from tests.factories import submission
from tests.journeys import act, drive, send_back
from tests.province import TZ

JUSTICE = {"procedure_code": "2.000488", "receiving_unit": "xa-vu-bon"}
# 10:00 and 22:30 in the province, on a day of the test's choosing.
DAY = datetime(2026, 12, 7, 10, 0, tzinfo=TZ)
NIGHT = datetime(2026, 12, 7, 22, 30, tzinfo=TZ)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at.astimezone(UTC)


@pytest.fixture
def maildir(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    folder, port = tmp_path / "maildir", free_port()
    command = python_module(
        "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox", str(folder)
    )
    with serving(command, port):
        yield port, folder


@pytest.fixture
def settings(settings: Settings, gateways: str, maildir: tuple[int, Path]) -> Settings:
    return settings.model_copy(
        update={
            "sms_gateway_url": f"{gateways}/sms",
            "zalo_zns_url": f"{gateways}/zns",
            "zalo_zns_access_token": ACCESS_TOKEN,
            "zalo_zns_template_id": "motcua-thong-bao",
            "citizen_email_enabled": True,
            "smtp_port": maildir[0],
            "smtp_sender": "motcua@daklak.gov.vn",
            "outbox_poll_seconds": 0.2,
        }
    )


@pytest.fixture
def clock() -> Clock:
    return Clock(DAY)


@pytest.fixture
async def api(
    app_without_worker: httpx.AsyncClient,
    temporal_client: Client,
    settings: Settings,
    sessionmaker: SessionMaker,
    clock: Clock,
) -> AsyncIterator[httpx.AsyncClient]:
    async with build_worker(temporal_client, settings, sessionmaker, clock=clock):
        yield app_without_worker


def _phone() -> str:
    return "09" + str(uuid.uuid4().int)[:8]


async def _online(api: httpx.AsyncClient, phone: str, **applicant: Any) -> tuple[str, str]:
    body = submission(**JUSTICE, channel=2, received_by=None)
    body["applicant"] = {
        **body["applicant"],
        "phone": phone,
        "email": f"{phone}@example.vn",
        "notify_by": ["sms", "email", "zalo"],
        **applicant,
    }
    response = await api.post("/api/v1/dossiers", json=body)
    assert response.status_code == 201, response.text
    return response.json()["code"], response.json()["tracking_secret"]


async def _rows(sessionmaker: SessionMaker, code: str) -> list[NotificationRow]:
    async with sessionmaker() as session:
        rows = await session.exec(
            select(NotificationRow)
            .where(
                NotificationRow.dossier_code == code,
                col(NotificationRow.kind).startswith(CITIZEN_KIND),
            )
            .order_by(
                col(NotificationRow.seq), col(NotificationRow.kind), col(NotificationRow.channel)
            )
        )
        return list(rows)


async def _settled(sessionmaker: SessionMaker, code: str, count: int) -> list[NotificationRow]:
    """The dossier's messages once `count` of them are queued and none is pending."""
    for _ in range(150):
        rows = await _rows(sessionmaker, code)
        if len(rows) >= count and all(row.status != "pending" for row in rows):
            return rows
        await asyncio.sleep(0.1)
    raise AssertionError(f"{code}: {[(r.kind, r.channel, r.status) for r in rows]}")


async def _delivered(gateways: str, phone: str) -> list[dict[str, Any]]:
    international = "84" + phone[1:]
    async with httpx.AsyncClient() as client:
        every = (await client.get(f"{gateways}/received")).json()["delivered"]
    return [d for d in every if d.get("to") == phone or d.get("phone") == international]


def _mail(folder: Path, address: str) -> list[str]:
    box = mailbox.Maildir(folder, create=False)
    return [str(m["Subject"]) for m in box if m["To"] == address]


async def test_a_dossiers_life_tells_the_applicant_each_step_once_on_each_channel(
    api: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    gateways: str,
    maildir: tuple[int, Path],
) -> None:
    phone = _phone()
    code, secret = await _online(api, phone)
    await drive(api, code, "accept", "transfer", "assign")
    await send_back(api, code)
    await act(api, code, "submit_supplement")
    await drive(api, code, "draft_extension", "approve_extension")
    await drive(api, code, "appraise", "request_payment", "record_payment", "approve")
    await drive(api, code, "mark_result_ready")
    await act(api, code, "return_result", method="electronic")

    rows = await _settled(sessionmaker, code, 21)

    kinds = [
        "receipt",
        "supplement",
        "extended",
        "payment_due",
        "result_ready",
        "result_returned",
        "rating",
    ]
    assert sorted({r.kind for r in rows}) == sorted(f"{CITIZEN_KIND}{k}" for k in kinds)
    assert len(rows) == 21  # seven messages, three channels, none twice
    assert {r.status for r in rows} == {"sent"}
    receipt = next(r for r in rows if r.kind == "citizen.receipt" and r.channel == "sms")
    assert f"/tra-cuu?code={code}&secret={secret}" in receipt.message_vi
    supplement = next(r for r in rows if r.kind == "citizen.supplement")
    assert "Tờ khai" in supplement.message_vi
    apology = next(r for r in rows if r.kind == "citizen.extended")
    assert "Chờ xác minh" in apology.message_vi
    assert "01/01/2030" in apology.message_vi
    fee = next(r for r in rows if r.kind == "citizen.payment_due")
    assert "50.000 đồng (Lệ phí)" in fee.message_vi
    delivered = await _delivered(gateways, phone)
    sms = [d for d in delivered if d["channel"] == "sms"]
    zalo = [d for d in delivered if d["channel"] == "zalo"]
    assert len(sms) == len(zalo) == 7
    # Without marks on the cheapest phone; in full on Zalo.
    assert sms[0]["text"].startswith(f"Ho so {code} (Cap Phieu ly lich tu phap")
    assert zalo[0]["template_data"] == {"ma_ho_so": code, "noi_dung": receipt.message_vi}
    assert zalo[0]["phone"] == "84" + phone[1:]
    subjects = _mail(maildir[1], f"{phone}@example.vn")
    assert len(subjects) == 7
    assert all(subject.startswith(f"[{code}]") for subject in subjects)


async def test_no_message_at_night_the_morning_brings_it(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, gateways: str, clock: Clock
) -> None:
    clock.at = NIGHT
    phone = _phone()
    code, _ = await _online(api, phone, notify_by=["sms"])
    await act(api, code, "accept")
    await asyncio.sleep(1.0)  # five passes of the dispatcher

    (held,) = await _rows(sessionmaker, code)
    assert held.status == "pending"
    assert held.next_attempt_at == datetime(2026, 12, 8, 7, 0, tzinfo=TZ)
    assert await _delivered(gateways, phone) == []

    clock.at = datetime(2026, 12, 8, 7, 1, tzinfo=TZ)
    (sent,) = await _settled(sessionmaker, code, 1)
    assert sent.status == "sent"
    assert len(await _delivered(gateways, phone)) == 1


async def test_english_when_chosen_and_a_refusing_gateway_is_retried_and_shown(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    code, _ = await _online(api, "0999999999", notify_by=["sms", "zalo"], language="en")
    await act(api, code, "accept")

    rows = await _settled(sessionmaker, code, 2)

    assert {r.status for r in rows} == {"failed"}
    assert all(r.language == "en" for r in rows)
    assert all(r.next_attempt_at is not None for r in rows)
    errors = {r.channel: r.last_error or "" for r in rows}
    assert "503" in errors["sms"]
    assert "-108" in errors["zalo"]
    staff = (await api.get(f"/api/v1/dossiers/{code}/messages")).json()
    assert [(m["channel"], m["status"]) for m in staff] == [("sms", "failed"), ("zalo", "failed")]
    assert staff[0]["text"].startswith(f"Dossier {code}")


async def test_a_holiday_declared_tells_each_applicant_the_new_date_and_why(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, settings: Settings
) -> None:
    phone = _phone()
    code, _ = await _online(api, phone, notify_by=["sms"])
    await act(api, code, "accept")
    due = datetime.fromisoformat(
        (await api.get(f"/api/v1/dossiers/{code}")).json()["due"]["due_at"]
    )
    day = due.astimezone(TZ).date()

    admin = {"Authorization": bearer(settings, "admin.dak-lak")}
    response = await api.put(
        f"/api/v1/calendar/overrides/{day.isoformat()}",
        json={
            "day": day.isoformat(),
            "kind": "day_off",
            "reason": "Nghỉ bù dịp lễ",
            "legal_reference": "Thông báo số 7/TB-UBND",
        },
        headers=admin,
    )
    assert response.status_code == 200, response.text

    rows = await _settled(sessionmaker, code, 2)
    moved = next(r for r in rows if r.kind == "citizen.date_moved")
    assert "Nghỉ bù dịp lễ" in moved.message_vi
    assert "Thông báo số 7/TB-UBND" in moved.message_vi
    new_due = datetime.fromisoformat(
        (await api.get(f"/api/v1/dossiers/{code}")).json()["due"]["due_at"]
    ).astimezone(TZ)
    assert new_due > due
    assert f"{new_due:%d/%m/%Y}" in moved.message_vi
    assert f"{due.astimezone(TZ):%d/%m/%Y}" in moved.message_vi


async def test_the_receipts_qr_code_opens_the_tracking_page_and_every_form_is_there(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    code, secret = await _online(api, _phone(), notify_by=["sms"])
    await drive(api, code, "accept", "transfer", "assign")
    await send_back(api, code)  # Form 02 too
    citizen = {"X-Tracking-Secret": secret}

    view = (await api.get(f"/api/v1/track/{code}", headers=citizen)).json()
    receipt = await api.get(f"/api/v1/track/{code}/forms/01", headers=citizen)
    request = await api.get(f"/api/v1/track/{code}/forms/02", headers=citizen)

    assert [f["form"] for f in view["forms"]] == ["01", "02"]
    assert request.status_code == 200
    assert request.content.startswith(b"%PDF")
    page = pdfium.PdfDocument(receipt.content)[0].render(scale=3).to_pil()
    (found,) = zxingcpp.read_barcodes(page)
    assert found.text == f"{settings.public_url}/tra-cuu?code={code}"
    # The secret is printed beside it, never in it.
    assert secret not in found.text
