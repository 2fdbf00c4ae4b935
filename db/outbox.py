"""The notification outbox: rows queued in the event's own transaction, then taken, sent
and marked by a dispatcher.

A row is taken by moving its `next_attempt_at` forward by a lease in the statement that
selects it (`FOR UPDATE SKIP LOCKED`), so two dispatchers never hold the same row, and a
dispatcher that dies mid-send leaves its rows to be taken again when the lease runs out.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import NotificationRow
from db.upsert import insert_for, table_of
from schemas.deadlines import NotificationRequest
from schemas.deadlines import NotificationStatus as N
from schemas.messages import CITIZEN_KIND

# Longer than a batch can take (BATCH sends, each bounded by its sender's 10 s timeout).
LEASE = timedelta(minutes=5)
BATCH = 20
# 10 s, 20 s, 40 s … capped at an hour; after the last attempt a row is abandoned and
# left for a person (about a day of trying).
FIRST_RETRY = timedelta(seconds=10)
LAST_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 30


@dataclass(frozen=True)
class Outgoing:
    id: int
    dossier_code: str
    kind: str
    recipient: str
    message_vi: str
    message_en: str
    attempts: int
    channel: str = "log"
    language: str = "vi"

    @property
    def text(self) -> str:
        """The message in the recipient's language."""
        return self.message_en if self.language == "en" else self.message_vi


@dataclass(frozen=True)
class Queued:
    """One message to one recipient, as the outbox keeps it."""

    dossier_code: str
    seq: int
    kind: str
    channel: str
    recipient: str
    message_vi: str
    message_en: str
    language: str = "vi"


async def enqueue(
    session: AsyncSession, request: NotificationRequest, channel: str, now: datetime
) -> None:
    """Queue one row per recipient; a retried event queues nothing twice."""
    await put(
        session,
        [
            Queued(
                request.dossier_code,
                request.seq,
                request.kind,
                channel,
                recipient,
                request.message_vi,
                request.message_en,
            )
            for recipient in request.recipients
        ],
        now,
        now,
    )


async def put(
    session: AsyncSession, messages: list[Queued], now: datetime, first_attempt: datetime
) -> None:
    """Queue the messages, to be sent from `first_attempt` on (a citizen's, queued at
    night, wait for the morning); a message already queued is left as it is."""
    if not messages:
        return
    table = table_of(NotificationRow)
    rows = [
        {
            "dossier_code": m.dossier_code,
            "seq": m.seq,
            "kind": m.kind,
            "recipient": m.recipient,
            "channel": m.channel,
            "message_vi": m.message_vi[:2000],
            "message_en": m.message_en[:2000],
            "language": m.language,
            "status": N.PENDING,
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": first_attempt,
        }
        for m in messages
    ]
    # Rows as parameters, not `.values(rows)`: compiled once, sent as one INSERT.
    await (await session.connection()).execute(
        insert_for(session, NotificationRow).on_conflict_do_nothing(
            index_elements=[
                table.c.dossier_code,
                table.c.seq,
                table.c.kind,
                table.c.channel,
                table.c.recipient,
            ]
        ),
        rows,
    )


async def take(session: AsyncSession, now: datetime, limit: int = BATCH) -> list[Outgoing]:
    """The rows due now, oldest first, leased to the caller and counted as an attempt."""
    table = table_of(NotificationRow)
    due = (
        select(NotificationRow.id)
        .where(col(NotificationRow.next_attempt_at) <= now)
        # By the indexed instant: ordering by id alone would let the planner walk every
        # row ever sent (their instant is null) to find the few due.
        .order_by(col(NotificationRow.next_attempt_at), col(NotificationRow.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    taken = await session.exec(
        update(NotificationRow)
        .where(col(NotificationRow.id).in_(due.scalar_subquery()))
        .values(next_attempt_at=now + LEASE, attempts=col(NotificationRow.attempts) + 1)
        .returning(
            table.c.id,
            table.c.dossier_code,
            table.c.kind,
            table.c.recipient,
            table.c.message_vi,
            table.c.message_en,
            table.c.attempts,
            table.c.channel,
            table.c.language,
        )
    )
    return sorted((Outgoing(*row) for row in taken), key=lambda row: row.id)


async def mark_sent(session: AsyncSession, ids: list[int], now: datetime) -> None:
    if ids:
        await session.exec(
            update(NotificationRow)
            .where(col(NotificationRow.id).in_(ids))
            .values(status=N.SENT, sent_at=now, next_attempt_at=None, last_error=None)
        )


async def release(session: AsyncSession, rows: list[Outgoing], until: datetime) -> None:
    """Give back rows taken but not tried (a dispatcher stopping, a citizen's message at
    night), as if never taken, to be taken again from `until`."""
    if rows:
        await session.exec(
            update(NotificationRow)
            .where(col(NotificationRow.id).in_([row.id for row in rows]))
            .values(next_attempt_at=until, attempts=col(NotificationRow.attempts) - 1)
        )


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts; None once it is time to stop."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay: timedelta = min(FIRST_RETRY * 2 ** min(attempts - 1, 16), LAST_RETRY)
    return now + delay


async def mark_failed(
    session: AsyncSession, row: Outgoing, error: str, now: datetime
) -> datetime | None:
    again = retry_at(row.attempts, now)
    await session.exec(
        update(NotificationRow)
        .where(col(NotificationRow.id) == row.id)
        .values(
            status=N.FAILED if again else N.ABANDONED,
            next_attempt_at=again,
            last_error=error[:500],
        )
    )
    return again


async def page(
    session: AsyncSession,
    *,
    status: N | None,
    dossier_code: str | None,
    after: int | None,
    size: int,
) -> list[NotificationRow]:
    """Newest first, as a supervisor reads them; `after` continues below that id."""
    statement = select(NotificationRow)
    if status is not None:
        statement = statement.where(NotificationRow.status == status)
    if dossier_code is not None:
        statement = statement.where(NotificationRow.dossier_code == dossier_code)
    if after is not None:
        statement = statement.where(col(NotificationRow.id) < after)
    rows = await session.exec(statement.order_by(col(NotificationRow.id).desc()).limit(size))
    return list(rows)


async def send_again(
    session: AsyncSession, id: int, now: datetime
) -> tuple[NotificationRow, N] | None:
    """A person asks for one more attempt now, for a failed or abandoned row; returns the
    row (as now) and its status before the request."""
    row = (
        await session.exec(
            select(NotificationRow).where(NotificationRow.id == id).with_for_update()
        )
    ).first()
    if row is None:
        return None
    before = N(row.status)
    if before in (N.FAILED, N.ABANDONED):
        row.status, row.next_attempt_at = N.PENDING, now
    return row, before


async def of_applicant(session: AsyncSession, code: str) -> list[NotificationRow]:
    rows = await session.exec(
        select(NotificationRow)
        .where(
            NotificationRow.dossier_code == code,
            col(NotificationRow.kind).startswith(CITIZEN_KIND),
        )
        .order_by(col(NotificationRow.seq), col(NotificationRow.kind), col(NotificationRow.channel))
    )
    return list(rows)
