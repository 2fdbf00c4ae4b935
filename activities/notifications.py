"""Notifications through an outbox, delivered by a pluggable sender (log, email, SMS).

The outbox row is written first and keyed by (dossier, event, recipient), so a retried
activity never notifies anyone twice; only rows still pending are sent.
"""

import asyncio
import json
import logging
import smtplib
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any, Protocol

from sqlalchemy import update
from sqlmodel import col, select
from temporalio import activity

from db.models import NotificationRow
from db.session import SessionMaker
from db.upsert import insert_for, table_of
from schemas.deadlines import NotificationRequest

log = logging.getLogger("motcua.notifications")


class Sender(Protocol):
    channel: str

    async def send(self, recipient: str, message_vi: str, message_en: str) -> None: ...


class LogSender:
    """The default: one structured log line per notification."""

    channel = "log"

    async def send(self, recipient: str, message_vi: str, message_en: str) -> None:
        log.info("notify %s: %s", recipient, message_vi)


class EmailSender:
    channel = "email"

    def __init__(self, host: str, port: int, sender: str, domain: str) -> None:
        self._host, self._port, self._sender, self._domain = host, port, sender, domain

    def _send(self, recipient: str, message_vi: str, message_en: str) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = f"{recipient.replace('@', '.')}@{self._domain}"
        message["Subject"] = message_vi[:120]
        message.set_content(f"{message_vi}\n\n{message_en}")
        with smtplib.SMTP(self._host, self._port, timeout=10) as smtp:
            smtp.send_message(message)

    async def send(self, recipient: str, message_vi: str, message_en: str) -> None:
        await asyncio.to_thread(self._send, recipient, message_vi, message_en)


class SmsSender:
    """Posts to an SMS gateway's HTTP endpoint (the province's brand-name SMS service)."""

    channel = "sms"

    def __init__(self, gateway_url: str) -> None:
        self._url = gateway_url

    def _send(self, recipient: str, message_vi: str) -> None:
        body = json.dumps({"to": recipient, "text": message_vi}).encode()
        request = urllib.request.Request(
            self._url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10):
            pass

    async def send(self, recipient: str, message_vi: str, message_en: str) -> None:
        await asyncio.to_thread(self._send, recipient, message_vi)


class NotificationActivities:
    def __init__(self, sessionmaker: SessionMaker, sender: Sender) -> None:
        self._sessionmaker = sessionmaker
        self._sender = sender

    @activity.defn(name="notify")
    async def notify(self, request: NotificationRequest) -> int:
        """Queue and send; returns how many were sent by this attempt."""
        now = datetime.now(UTC)
        table = table_of(NotificationRow)
        rows = [
            {
                "dossier_code": request.dossier_code,
                "seq": request.seq,
                "kind": request.kind,
                "recipient": recipient,
                "channel": self._sender.channel,
                "message_vi": request.message_vi,
                "message_en": request.message_en,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
            }
            for recipient in request.recipients
        ]
        async with self._sessionmaker() as session, session.begin():
            if rows:
                await session.exec(
                    insert_for(session, NotificationRow)
                    .values(rows)
                    .on_conflict_do_nothing(
                        index_elements=[table.c.dossier_code, table.c.seq, table.c.recipient]
                    )
                )
            pending = list(
                await session.exec(
                    select(NotificationRow)
                    .where(
                        NotificationRow.dossier_code == request.dossier_code,
                        NotificationRow.seq == request.seq,
                        col(NotificationRow.status) != "sent",
                    )
                    .order_by(col(NotificationRow.id))
                )
            )
        # Sent outside any transaction: a slow gateway holds no lock and no connection.
        sent: list[int | None] = []
        try:
            for row in pending:
                await self._sender.send(row.recipient, row.message_vi, row.message_en)
                sent.append(row.id)
        except Exception:
            # Rows go in order, so the one that failed is the first not sent.
            await self._mark([pending[len(sent)].id], "failed")
            raise  # the activity retries; rows already sent stay sent
        finally:
            await self._mark(sent, "sent")
        return len(sent)

    async def _mark(self, ids: Sequence[int | None], status: str) -> None:
        if not ids:
            return
        values: dict[str, Any] = {"status": status, "attempts": col(NotificationRow.attempts) + 1}
        if status == "sent":
            values["sent_at"] = datetime.now(UTC)
        async with self._sessionmaker() as session, session.begin():
            await session.exec(
                update(NotificationRow).where(col(NotificationRow.id).in_(ids)).values(**values)
            )
