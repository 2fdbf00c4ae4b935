"""A commit-safe position in the append-only event log, for every reader that follows it
(the live stream today; the portal sync and the reconciliation next).

An event's id is taken at INSERT but the row is seen only at COMMIT, so a reader that
remembers "the last id I saw" skips an event whose transaction commits after a later id's
(seen: 2 of 320 events lost with two API replicas and two workers). On PostgreSQL each row
keeps the id of the transaction that wrote it (`xid`); a reader walks the log in (xid, id)
order and only over transactions older than the oldest one still running (the snapshot's
xmin). Those are all finished, so nothing can appear behind the position afterwards. On
SQLite one writer commits at a time, so the id alone is such a position.
"""

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func, literal_column, select, tuple_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import DossierEventRow
from db.upsert import dialect_of, table_of

Q = TypeVar("Q")
_EVENTS = table_of(DossierEventRow)
# Rows logged before the column existed read as transaction 0, before every later one.
XID: ColumnElement[int] = func.coalesce(_EVENTS.c.xid, 0)
_SETTLED: ColumnElement[int] = literal_column(
    "(pg_snapshot_xmin(pg_current_snapshot())::text)::bigint"
)


@dataclass(frozen=True, order=True)
class LogPosition:
    xid: int
    id: int

    def __str__(self) -> str:
        return f"{self.xid}.{self.id}"

    @classmethod
    def parse(cls, text: str) -> "LogPosition | None":
        """`xid.id`; a bare id (what the stream sent before) is looked up by `resolve`."""
        head, _, tail = text.partition(".")
        if head.isdigit() and tail.isdigit():
            return cls(int(head), int(tail))
        return None


async def resolve(session: AsyncSession, text: str) -> LogPosition | None:
    """A position from what a client sent back: `xid.id`, or a bare event id."""
    position = LogPosition.parse(text)
    if position is not None or not text.isdigit():
        return position
    connection = await session.connection()
    found = (await connection.execute(select(XID).where(_EVENTS.c.id == int(text)))).scalar()
    return None if found is None else LogPosition(int(found), int(text))


async def current(session: AsyncSession) -> LogPosition:
    """Where a reader starting now begins: past every finished transaction."""
    connection = await session.connection()
    if dialect_of(session) == "postgresql":
        settled = (await connection.execute(select(_SETTLED))).scalar_one()
        return LogPosition(int(settled), 0)
    last = (await connection.execute(select(func.max(_EVENTS.c.id)))).scalar()
    return LogPosition(0, int(last or 0))


def following(statement: Q, position: LogPosition, dialect: str) -> Q:
    """`statement` (over dossier_event) limited to the events after `position` that no
    running transaction can still precede, in log order. Select `XID` to build the next
    position from a row."""
    query: Any = statement
    if dialect != "postgresql":
        return query.where(_EVENTS.c.id > position.id).order_by(_EVENTS.c.id)  # type: ignore[no-any-return]
    return query.where(  # type: ignore[no-any-return]
        tuple_(XID, _EVENTS.c.id) > tuple_(position.xid, position.id), XID < _SETTLED
    ).order_by(XID, _EVENTS.c.id)
