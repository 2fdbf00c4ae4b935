"""Notifications: queued in the outbox with the event that causes them, sent by the worker's
dispatcher through a pluggable sender (log, email, SMS).

A fired rung's notifications are written in the transaction that logs its event
(`activities.projection`), so nothing is notified that was not logged, and nothing
logged goes unnotified. The dispatcher sends what is due, marks it, and retries a failed
row later with backoff (`db.outbox`). Sending is at least once: a dispatcher killed
between the gateway's answer and the mark sends that row again.
"""

import asyncio
import json
import logging
import smtplib
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from email.message import EmailMessage
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity

from db.outbox import Outgoing, Queued, enqueue, mark_failed, mark_sent, put, release, take
from db.search import without_marks
from db.session import SessionMaker
from db.users import roles_at
from schemas.deadlines import NotificationRequest
from schemas.messages import CITIZEN_KIND
from schemas.unit import Level
from worktime.calendar import when_en, when_vi

log = logging.getLogger("motcua.notifications")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Sender(Protocol):
    channel: str

    async def send(self, message: Outgoing) -> None: ...


class LogSender:
    """The default: one structured log line per notification."""

    channel = "log"

    async def send(self, message: Outgoing) -> None:
        log.info(
            "notify %s: %s",
            message.recipient,
            message.text,
            extra={"dossier": message.dossier_code},
        )


class EmailSender:
    """Staff are written to as `role.unit@domain`; a citizen (`direct`) at the address
    they gave, in the language they chose."""

    channel = "email"

    def __init__(
        self, host: str, port: int, sender: str, domain: str, *, direct: bool = False
    ) -> None:
        self._host, self._port, self._sender, self._domain = host, port, sender, domain
        self._direct = direct

    def _send(self, message: Outgoing) -> None:
        email = EmailMessage()
        email["From"] = self._sender
        if self._direct:
            email["To"] = message.recipient
            email["Subject"] = f"[{message.dossier_code}] {message.text[:100]}"
            email.set_content(message.text)
        else:
            email["To"] = f"{message.recipient.replace('@', '.')}@{self._domain}"
            email["Subject"] = message.message_vi[:120]
            email.set_content(f"{message.message_vi}\n\n{message.message_en}")
        with smtplib.SMTP(self._host, self._port, timeout=10) as smtp:
            smtp.send_message(email)

    async def send(self, message: Outgoing) -> None:
        await asyncio.to_thread(self._send, message)


class SmsSender:
    """Posts to an SMS gateway's HTTP endpoint (the province's brand-name SMS service)."""

    channel = "sms"

    def __init__(self, gateway_url: str, *, unaccented: bool = False) -> None:
        self._url = gateway_url
        # Without marks an SMS part holds 160 characters, not 70, and every phone shows it.
        self._unaccented = unaccented

    def _send(self, message: Outgoing, text: str) -> None:
        # `ref` names the message: a gateway takes a second send of the same one (a worker
        # killed between the gateway's answer and the outbox's mark) as a repeat.
        body = json.dumps({"to": message.recipient, "text": text, "ref": str(message.id)}).encode()
        request = urllib.request.Request(
            self._url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=10):
            pass

    async def send(self, message: Outgoing) -> None:
        text = message.text
        if self._unaccented:
            text = without_marks(text)
        await asyncio.to_thread(self._send, message, text)


class ZaloZnsSender:
    """Zalo Notification Service: a template message to the Zalo account of a phone number
    (POST {base}/message/template with the OA's access token; `error` 0 is delivered). The
    province registers one template with two parameters, the dossier code and the text."""

    channel = "zalo"

    def __init__(self, base_url: str, access_token: str, template_id: str) -> None:
        self._url = f"{base_url.rstrip('/')}/message/template"
        self._token, self._template = access_token, template_id

    def _send(self, message: Outgoing) -> None:
        digits = "".join(c for c in message.recipient if c.isdigit())
        # ZNS takes the number in international form: 0912… → 84912….
        phone = f"84{digits[1:]}" if digits.startswith("0") else digits
        body = json.dumps(
            {
                "phone": phone,
                "template_id": self._template,
                "template_data": {"ma_ho_so": message.dossier_code, "noi_dung": message.text},
                "tracking_id": str(message.id),
            }
        ).encode()
        request = urllib.request.Request(
            self._url,
            data=body,
            headers={"Content-Type": "application/json", "access_token": self._token},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read() or b"{}")
        if answer.get("error", -1) != 0:
            raise ZnsRefused(answer.get("error"), answer.get("message", ""))

    async def send(self, message: Outgoing) -> None:
        await asyncio.to_thread(self._send, message)


class ZnsRefused(Exception):
    def __init__(self, error: object, message: str) -> None:
        super().__init__(f"ZNS error {error}: {message}")


_LOG = LogSender()
_LEVELS = frozenset(level.value for level in Level)


def addressed(
    recipients: list[str],
    province: str,
    holder: str | None = None,
    staffed_at_holder: frozenset[str] = frozenset(),
) -> list[str]:
    """Recipients as `role@unit`. A dossier's workflow names the supervisor above it by a
    level ("supervisor@province", "supervisor@commune": it knows no unit above the one
    holding the dossier). That means the province's supervisors, whose unit is the province
    itself, and also the holding unit's own (a commune's supervisor watches the commune's
    dossiers) where that unit has staff in the role (`staffed_at_holder`): a mailbox nobody
    reads would only fail and be retried. Each address once, in order."""
    resolved = []
    for recipient in recipients:
        role, _, unit = recipient.partition("@")
        if unit not in _LEVELS:
            resolved.append(recipient)
            continue
        resolved.append(f"{role}@{province}")
        if holder is not None and role in staffed_at_holder:
            resolved.append(f"{role}@{holder}")
    return list(dict.fromkeys(resolved))


async def run_woken(
    one_pass: Callable[[], Awaitable[object]],
    woken: asyncio.Event,
    poll_seconds: float,
    stopping: Callable[[], bool],
    what: str,
) -> None:
    """A sender's loop: a pass when woken, or every `poll_seconds` for what another process
    queued or a retry that came due, until told to stop. A failed pass (the database away,
    say) leaves its rows for the next one."""
    while not stopping():
        # Cleared before the pass, so a row queued during it wakes the next one.
        woken.clear()
        try:
            await one_pass()
        except Exception:
            log.exception("%s pass failed; retrying", what)
        with suppress(TimeoutError):
            await asyncio.wait_for(woken.wait(), poll_seconds)


@dataclass(frozen=True)
class QuietHours:
    """When no message reaches a citizen (21:00–07:00 by default): one queued or retried
    then waits for the morning."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> "QuietHours":
        start, _, end = text.partition("-")
        return cls(time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))

    def held_until(self, now: datetime, tz: tzinfo) -> datetime | None:
        """The morning a message due `now` waits for; None when it may go now."""
        local = now.astimezone(tz)
        moment = local.time()
        overnight = self.start > self.end
        if overnight:
            quiet = moment >= self.start or moment < self.end
        else:
            quiet = self.start <= moment < self.end
        if not quiet:
            return None
        day = local.date()
        if overnight and moment >= self.start:
            day += timedelta(days=1)
        return datetime.combine(day, self.end, tz).astimezone(UTC)


class Dispatcher:
    """Sends what the outbox holds: woken by the projection that queued it, and every
    `poll_seconds` for what another worker queued, a retry that came due, or a lease that
    ran out. Staff alarms go through `sender`; a citizen's messages through the sender of
    the channel they chose (`citizen_senders`), never in the quiet hours."""

    def __init__(
        self,
        sessionmaker: SessionMaker,
        sender: Sender,
        timezone: tzinfo,
        poll_seconds: float = 5.0,
        clock: Callable[[], datetime] = _utcnow,
        province: str | None = None,
        citizen_senders: Mapping[str, Sender] | None = None,
        quiet: QuietHours = QuietHours(time(21), time(7)),
    ) -> None:
        self._sessionmaker = sessionmaker
        self._sender = sender
        self._citizen_senders = dict(citizen_senders or {})
        self._quiet = quiet
        self._timezone = timezone
        self._province = province
        self._poll_seconds = poll_seconds
        self._clock = clock
        self._woken = asyncio.Event()
        self._stopping = False

    @property
    def channel(self) -> str:
        return self._sender.channel

    def wake(self) -> None:
        self._woken.set()

    async def queue(
        self,
        session: AsyncSession,
        request: NotificationRequest,
        holder_unit: str | None = None,
    ) -> None:
        """Queue in the caller's transaction, the due date worded in the province's time;
        the caller wakes the dispatcher once that transaction has committed.
        `holder_unit`: the unit holding the dossier, whose own supervisors a level names."""
        if self._province is not None:
            by_level = {
                role
                for role, _, unit in (r.partition("@") for r in request.recipients)
                if unit in _LEVELS
            }
            staffed: frozenset[str] = frozenset()
            holder = None if holder_unit == self._province else holder_unit
            if by_level and holder is not None:
                staffed = frozenset(by_level & await roles_at(session, holder))
            request = request.model_copy(
                update={
                    "recipients": addressed(request.recipients, self._province, holder, staffed)
                }
            )
        if request.due_at is not None:
            due = request.due_at.astimezone(self._timezone)
            request = request.model_copy(
                update={
                    "message_vi": f"{request.message_vi} Hạn giải quyết: {when_vi(due)}.",
                    "message_en": f"{request.message_en} Due: {when_en(due)}.",
                }
            )
        await enqueue(session, request, self.channel, self._clock())

    async def queue_citizen(self, session: AsyncSession, messages: list[Queued]) -> None:
        """Queue a citizen's messages in the caller's transaction; at night they wait."""
        now = self._clock()
        await put(session, messages, now, self._quiet.held_until(now, self._timezone) or now)

    def _sender_of(self, message: Outgoing) -> Sender:
        if message.kind.startswith(CITIZEN_KIND):
            return self._citizen_senders.get(message.channel, _LOG)
        return self._sender

    def stop(self) -> None:
        """Let `run` end after the message in progress: what was sent is marked, what was
        taken but not tried is given back, nothing stays leased to a dispatcher gone."""
        self._stopping = True
        self._woken.set()

    async def run(self) -> None:
        await run_woken(
            self.dispatch, self._woken, self._poll_seconds, lambda: self._stopping, "notification"
        )

    async def dispatch(self) -> int:
        """Send every row due now, batch by batch; returns how many were sent."""
        sent_total = 0
        while True:
            async with self._sessionmaker() as session, session.begin():
                batch = await take(session, self._clock())
            if not batch:
                return sent_total
            batch = await self._held(batch)
            sent: list[int] = []
            for tried, message in enumerate(batch):
                if self._stopping:
                    # A worker shutting down waits for one message, not a whole batch.
                    async with self._sessionmaker() as session, session.begin():
                        await release(session, batch[tried:], self._clock())
                    break
                try:
                    await self._sender_of(message).send(message)
                except Exception as error:
                    await self._failed(message, error)
                else:
                    sent.append(message.id)
            async with self._sessionmaker() as session, session.begin():
                await mark_sent(session, sent, self._clock())
            sent_total += len(sent)
            if self._stopping:
                return sent_total

    async def _held(self, batch: list[Outgoing]) -> list[Outgoing]:
        """A citizen's message due in the quiet hours (a retry, a row queued by a clock
        that disagreed) goes back to wait for the morning; the rest are sent."""
        morning = self._quiet.held_until(self._clock(), self._timezone)
        if morning is None:
            return batch
        held = [m for m in batch if m.kind.startswith(CITIZEN_KIND)]
        if held:
            async with self._sessionmaker() as session, session.begin():
                await release(session, held, morning)
        return [m for m in batch if not m.kind.startswith(CITIZEN_KIND)]

    async def _failed(self, message: Outgoing, error: Exception) -> None:
        async with self._sessionmaker() as session, session.begin():
            again = await mark_failed(session, message, repr(error), self._clock())
        log.log(
            logging.WARNING if again else logging.ERROR,
            "notification %s to %s failed (attempt %d): %r; %s",
            message.id,
            message.recipient,
            message.attempts,
            error,
            f"retry at {again.isoformat()}" if again else "abandoned",
            extra={"dossier": message.dossier_code},
        )


class NotificationActivities:
    """The activity dossiers started before the outbox still call after each fired rung."""

    def __init__(self, sessionmaker: SessionMaker, dispatcher: Dispatcher) -> None:
        self._sessionmaker = sessionmaker
        self._dispatcher = dispatcher

    @activity.defn(name="notify")
    async def notify(self, request: NotificationRequest) -> int:
        """Queue for the dispatcher; returns how many recipients were asked for."""
        async with self._sessionmaker() as session, session.begin():
            await self._dispatcher.queue(session, request)
        self._dispatcher.wake()
        return len(request.recipients)
