"""The email and SMS senders against real servers on this machine, through the dispatcher:
an SMTP server (aiosmtpd) and an HTTP gateway (the standard library's). A row the outbox
marks sent has reached a server; a refused one waits, with its error, to be tried again."""

import json
import threading
import uuid
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlmodel import col, select

from activities.notifications import Dispatcher, EmailSender, SmsSender
from db.models import NotificationRow
from db.session import SessionMaker
from motcua.settings import Settings
from motcua.worker import make_sender
from schemas.deadlines import NotificationRequest
from tests.conftest import free_port
from tests.province import TZ

REFUSED = "leader@xa-ea-tul"


class Mailbox:
    """An SMTP server's handler: keeps what it accepts, refuses one mailbox."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_RCPT(  # noqa: N802 (aiosmtpd names its hooks so)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address.startswith(REFUSED.replace("@", ".")):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    handler, port = Mailbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


class Gateway(BaseHTTPRequestHandler):
    """A brand-name SMS gateway: takes JSON, answers 503 for one number while it is down."""

    received: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        refused = body["to"] == REFUSED
        if not refused:
            type(self).received.append(body)
        self.send_response(503 if refused else 200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[tuple[type[Gateway], str]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    Gateway.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Gateway, f"http://127.0.0.1:{server.server_address[1]}/sms"
    server.shutdown()
    server.server_close()


def _breach(code: str) -> NotificationRequest:
    return NotificationRequest(
        dossier_code=code,
        seq=9,
        kind="deadline_breached",
        recipients=["leader@so-tu-phap", REFUSED, "supervisor@province"],
        message_vi=f"Hồ sơ {code} (Đăng ký khai sinh): Quá hạn giải quyết.",
        message_en=f"Dossier {code} (Birth registration): breach.",
    )


async def _send(sessionmaker: SessionMaker, dispatcher: Dispatcher) -> dict[str, NotificationRow]:
    code = f"T-{uuid.uuid4().hex[:10]}"
    async with sessionmaker() as session, session.begin():
        await dispatcher.queue(session, _breach(code))
    sent = await dispatcher.dispatch()
    async with sessionmaker() as session:
        rows = await session.exec(
            select(NotificationRow).where(col(NotificationRow.dossier_code) == code)
        )
        found = {row.recipient: row for row in rows}
    assert sent == 2
    return found


async def test_email_reaches_an_smtp_server_in_vietnamese_and_a_refused_mailbox_waits(
    sessionmaker: SessionMaker, mailbox: tuple[Mailbox, int]
) -> None:
    handler, port = mailbox
    sender = EmailSender("127.0.0.1", port, "motcua@dak-lak.gov.vn", "dak-lak.gov.vn")
    dispatcher = Dispatcher(sessionmaker, sender, TZ, province="dak-lak")

    rows = await _send(sessionmaker, dispatcher)

    assert sorted(to for tos, _ in handler.received for to in tos) == [
        "leader.so-tu-phap@dak-lak.gov.vn",
        "supervisor.dak-lak@dak-lak.gov.vn",
    ]
    message = handler.received[0][1]
    assert message["From"] == "motcua@dak-lak.gov.vn"
    assert message["Subject"] == rows["leader@so-tu-phap"].message_vi
    body = message.get_content()
    assert "Quá hạn giải quyết" in body
    assert "Birth registration" in body
    assert {r: rows[r].status for r in rows} == {
        "leader@so-tu-phap": "sent",
        "supervisor@dak-lak": "sent",
        REFUSED: "failed",
    }
    refused = rows[REFUSED]
    assert refused.next_attempt_at is not None
    assert "Mailbox unavailable" in str(refused.last_error)


async def test_sms_reaches_the_gateway_as_json_and_a_503_waits(
    sessionmaker: SessionMaker, gateway: tuple[type[Gateway], str]
) -> None:
    received, url = gateway
    dispatcher = Dispatcher(sessionmaker, SmsSender(url), TZ, province="dak-lak")

    rows = await _send(sessionmaker, dispatcher)

    assert sorted(body["to"] for body in received.received) == [
        "leader@so-tu-phap",
        "supervisor@dak-lak",
    ]
    assert all(body["text"] == rows[body["to"]].message_vi for body in received.received)
    assert rows[REFUSED].status == "failed"
    assert "503" in str(rows[REFUSED].last_error)


def test_the_channel_comes_from_the_settings(settings: Settings) -> None:
    email = make_sender(settings.model_copy(update={"notification_channel": "email"}))
    assert isinstance(email, EmailSender)
    sms = settings.model_copy(update={"notification_channel": "sms", "sms_gateway_url": ""})
    with pytest.raises(ValueError, match="MOTCUA_SMS_GATEWAY_URL"):
        make_sender(sms)
