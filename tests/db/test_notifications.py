"""The notification outbox on PostgreSQL and its dispatcher: each message sent once, a
failed one retried later, two dispatchers never sending the same row."""

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from activities.notifications import Dispatcher, NotificationActivities, addressed
from db.models import NotificationRow
from db.outbox import FIRST_RETRY, LEASE, MAX_ATTEMPTS, Outgoing, enqueue, take
from db.session import SessionMaker
from schemas.deadlines import NotificationRequest
from tests.province import TZ
from tests.workflows.test_deadlines import STAFF_ALARM

RECIPIENTS = ["officer@so-tu-phap", "leader@so-tu-phap", "supervisor@province"]


class Gateway:
    """A sender whose gateway refuses one recipient until it is repaired."""

    channel = "sms"

    def __init__(self, refuses: str | None = None, pause: float = 0.0) -> None:
        self.refuses = refuses
        self.pause = pause
        self.delivered: list[str] = []
        self.delivery = asyncio.Event()
        self.after_send: Callable[[], None] = lambda: None

    async def send(self, message: Outgoing) -> None:
        await asyncio.sleep(self.pause)
        if message.recipient == self.refuses:
            raise ConnectionError("gateway unavailable")
        self.delivered.append(message.recipient)
        self.delivery.set()
        self.after_send()


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def _request(code: str, seq: int = 7) -> NotificationRequest:
    return NotificationRequest(
        dossier_code=code,
        seq=seq,
        kind="deadline_breached",
        recipients=RECIPIENTS,
        message_vi=f"Hồ sơ {code}: quá hạn giải quyết.",
        message_en=f"Dossier {code}: deadline breached.",
    )


async def _queue(sessionmaker: SessionMaker, request: NotificationRequest, at: datetime) -> None:
    async with sessionmaker() as session, session.begin():
        await enqueue(session, request, "sms", at)


async def _outbox(sessionmaker: SessionMaker, code: str) -> dict[str, NotificationRow]:
    async with sessionmaker() as session:
        rows = await session.exec(
            select(NotificationRow).where(col(NotificationRow.dossier_code) == code, STAFF_ALARM)
        )
        return {row.recipient: row for row in rows}


def _code() -> str:
    return f"T-{uuid.uuid4().hex[:10]}"


async def test_a_supervisor_named_by_level_is_queued_at_the_province(
    sessionmaker: SessionMaker,
) -> None:
    # The breach rung of a commune's dossier: its head of unit and the province's supervisor.
    code = _code()
    request = NotificationRequest(
        **{
            **_request(code).model_dump(),
            "recipients": ["leader@phuong-tan-lap", "supervisor@commune", "supervisor@province"],
        }
    )
    async with sessionmaker() as session, session.begin():
        await Dispatcher(sessionmaker, Gateway(), TZ, province="dak-lak").queue(session, request)

    assert sorted(await _outbox(sessionmaker, code)) == [
        "leader@phuong-tan-lap",
        "supervisor@dak-lak",
    ]


async def test_a_level_also_names_the_supervisors_of_the_unit_holding_the_dossier(
    sessionmaker: SessionMaker,
) -> None:
    # xa-vu-bon has its own supervisor account (tests/auth.py); phuong-tan-lap has none, so
    # no mailbox is made up for it.
    recipients = ["leader@{unit}", "supervisor@commune", "supervisor@province"]
    queued = {}
    dispatcher = Dispatcher(sessionmaker, Gateway(), TZ, province="dak-lak")
    for unit in ("xa-vu-bon", "phuong-tan-lap", "dak-lak"):
        code = _code()
        request = NotificationRequest(
            **{
                **_request(code).model_dump(),
                "recipients": [r.format(unit=unit) for r in recipients],
            }
        )
        async with sessionmaker() as session, session.begin():
            await dispatcher.queue(session, request, holder_unit=unit)
        queued[unit] = sorted(await _outbox(sessionmaker, code))

    assert queued == {
        "xa-vu-bon": ["leader@xa-vu-bon", "supervisor@dak-lak", "supervisor@xa-vu-bon"],
        "phuong-tan-lap": ["leader@phuong-tan-lap", "supervisor@dak-lak"],
        # At the province itself: its supervisors once.
        "dak-lak": ["leader@dak-lak", "supervisor@dak-lak"],
    }


def test_only_a_level_is_widened_to_the_holding_unit() -> None:
    named = ["officer.a@xa-vu-bon", "leader@xa-vu-bon", "supervisor@commune"]
    assert addressed(named, "dak-lak", "xa-vu-bon", frozenset({"supervisor", "leader"})) == [
        "officer.a@xa-vu-bon",
        "leader@xa-vu-bon",
        "supervisor@dak-lak",
        "supervisor@xa-vu-bon",
    ]
    assert addressed(named, "dak-lak") == [
        "officer.a@xa-vu-bon",
        "leader@xa-vu-bon",
        "supervisor@dak-lak",
    ]


async def test_a_refused_message_is_retried_after_its_backoff_and_none_sent_twice(
    sessionmaker: SessionMaker,
) -> None:
    code, clock = _code(), Clock()
    gateway = Gateway(refuses="leader@so-tu-phap")
    dispatcher = Dispatcher(sessionmaker, gateway, TZ, clock=clock)
    await _queue(sessionmaker, _request(code), clock.now)

    assert await dispatcher.dispatch() == 2
    rows = await _outbox(sessionmaker, code)
    assert gateway.delivered == ["officer@so-tu-phap", "supervisor@province"]
    assert {name: (row.status, row.attempts) for name, row in rows.items()} == {
        "officer@so-tu-phap": ("sent", 1),
        "leader@so-tu-phap": ("failed", 1),
        "supervisor@province": ("sent", 1),
    }
    refused = rows["leader@so-tu-phap"]
    assert refused.next_attempt_at == clock.now + FIRST_RETRY
    assert refused.last_error is not None
    assert "gateway unavailable" in refused.last_error

    # Repaired, but the row waits for its backoff.
    gateway.refuses = None
    assert await dispatcher.dispatch() == 0
    clock.now += FIRST_RETRY
    assert await dispatcher.dispatch() == 1
    assert await dispatcher.dispatch() == 0

    rows = await _outbox(sessionmaker, code)
    assert sorted(gateway.delivered) == sorted(RECIPIENTS)
    assert {name: (row.status, row.attempts) for name, row in rows.items()} == {
        "officer@so-tu-phap": ("sent", 1),
        "leader@so-tu-phap": ("sent", 2),
        "supervisor@province": ("sent", 1),
    }
    assert all(row.next_attempt_at is None and row.last_error is None for row in rows.values())


async def test_an_event_queued_again_queues_nothing_twice(sessionmaker: SessionMaker) -> None:
    code, clock = _code(), Clock()
    gateway = Gateway()
    dispatcher = Dispatcher(sessionmaker, gateway, TZ, clock=clock)
    await _queue(sessionmaker, _request(code), clock.now)
    await dispatcher.dispatch()
    # A retried projection, or the activity of a dossier started before the outbox.
    await _queue(sessionmaker, _request(code), clock.now)
    await NotificationActivities(sessionmaker, dispatcher).notify(_request(code))

    assert await dispatcher.dispatch() == 0
    assert sorted(gateway.delivered) == sorted(RECIPIENTS)
    assert len(await _outbox(sessionmaker, code)) == 3


async def test_two_dispatchers_never_send_the_same_message(sessionmaker: SessionMaker) -> None:
    clock = Clock()
    codes = [_code() for _ in range(15)]
    for code in codes:
        await _queue(sessionmaker, _request(code), clock.now)
    first, second = Gateway(pause=0.01), Gateway(pause=0.01)

    sent = await asyncio.gather(
        Dispatcher(sessionmaker, first, TZ, clock=clock).dispatch(),
        Dispatcher(sessionmaker, second, TZ, clock=clock).dispatch(),
    )

    assert sum(sent) == 45
    assert first.delivered
    assert second.delivered
    assert len(first.delivered) + len(second.delivered) == 45
    for code in codes:
        rows = await _outbox(sessionmaker, code)
        assert {(row.status, row.attempts) for row in rows.values()} == {("sent", 1)}


async def test_a_dead_dispatchers_messages_are_sent_when_its_lease_runs_out(
    sessionmaker: SessionMaker,
) -> None:
    code, clock = _code(), Clock()
    await _queue(sessionmaker, _request(code), clock.now)
    # Taken by a dispatcher that died before sending.
    async with sessionmaker() as session, session.begin():
        assert len(await take(session, clock.now)) == 3
    gateway = Gateway()
    dispatcher = Dispatcher(sessionmaker, gateway, TZ, clock=clock)

    assert await dispatcher.dispatch() == 0
    clock.now += LEASE
    assert await dispatcher.dispatch() == 3
    rows = await _outbox(sessionmaker, code)
    assert {(row.status, row.attempts) for row in rows.values()} == {("sent", 2)}


async def test_a_stopping_dispatcher_gives_back_what_it_has_not_tried(
    sessionmaker: SessionMaker,
) -> None:
    code, clock = _code(), Clock()
    await _queue(sessionmaker, _request(code), clock.now)
    gateway = Gateway()
    dispatcher = Dispatcher(sessionmaker, gateway, TZ, clock=clock)
    gateway.after_send = dispatcher.stop

    assert await dispatcher.dispatch() == 1
    rows = await _outbox(sessionmaker, code)
    assert sorted((row.status, row.attempts) for row in rows.values()) == [
        ("pending", 0),
        ("pending", 0),
        ("sent", 1),
    ]
    # The next dispatcher takes them at once: no lease to wait out.
    assert await Dispatcher(sessionmaker, Gateway(), TZ, clock=clock).dispatch() == 2


async def test_a_message_never_accepted_is_abandoned_after_the_last_attempt(
    sessionmaker: SessionMaker,
) -> None:
    code, clock = _code(), Clock()
    await _queue(
        sessionmaker,
        NotificationRequest(**{**_request(code).model_dump(), "recipients": ["nobody@nowhere"]}),
        clock.now,
    )
    dispatcher = Dispatcher(sessionmaker, Gateway(refuses="nobody@nowhere"), TZ, clock=clock)

    for _ in range(MAX_ATTEMPTS):
        assert await dispatcher.dispatch() == 0
        clock.now += timedelta(days=1)

    row = (await _outbox(sessionmaker, code))["nobody@nowhere"]
    assert (row.status, row.attempts, row.next_attempt_at) == ("abandoned", MAX_ATTEMPTS, None)
    assert await dispatcher.dispatch() == 0
    assert (await _outbox(sessionmaker, code))["nobody@nowhere"].attempts == MAX_ATTEMPTS


async def test_a_running_dispatcher_sends_as_soon_as_it_is_woken(
    sessionmaker: SessionMaker,
) -> None:
    code = _code()
    gateway = Gateway()
    # A poll interval far longer than the test: only the wake can explain a prompt send.
    dispatcher = Dispatcher(sessionmaker, gateway, TZ, poll_seconds=3600)
    running = asyncio.create_task(dispatcher.run())
    try:
        await asyncio.sleep(0.1)
        await NotificationActivities(sessionmaker, dispatcher).notify(_request(code))
        async with asyncio.timeout(10):
            while len(gateway.delivered) < 3:
                gateway.delivery.clear()
                await gateway.delivery.wait()
    finally:
        dispatcher.stop()
        await running
    assert sorted(gateway.delivered) == sorted(RECIPIENTS)


async def test_the_due_date_is_worded_in_the_provinces_time(sessionmaker: SessionMaker) -> None:
    code = _code()
    request = NotificationRequest(
        **{**_request(code).model_dump(), "due_at": datetime(2026, 11, 23, 10, 0, tzinfo=UTC)}
    )
    dispatcher = Dispatcher(sessionmaker, Gateway(), TZ)
    async with sessionmaker() as session, session.begin():
        await dispatcher.queue(session, request)

    row = (await _outbox(sessionmaker, code))["leader@so-tu-phap"]
    # 10:00 UTC is 17:00 in Đắk Lắk, the end of that Monday's working day.
    assert row.message_vi.endswith("quá hạn giải quyết. Hạn giải quyết: 17:00 Thứ Hai 23/11/2026.")
    assert row.message_en.endswith("deadline breached. Due: Monday 23 Nov 2026 17:00.")
