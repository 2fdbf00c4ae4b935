"""Counters of attempts in a fixed window, shared by every API replica through the
database: citizen look-ups per client, sign-in failures per account and per client.

One statement per attempt, atomic under concurrency (INSERT … ON CONFLICT DO UPDATE), so
two replicas never both let the thirty-first guess through.
"""

import functools
import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, delete, select, text
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import RateCounterRow
from db.upsert import dialect_of, insert_into, table_of

_TABLE = table_of(RateCounterRow)
_LOCAL_ASYNC = text("SET LOCAL synchronous_commit = off")


async def hit(
    session: AsyncSession, key: str, window: timedelta, now: datetime
) -> tuple[int, datetime]:
    """Count one attempt; the attempts in the key's current window (this one included)
    and when that window started. A window older than `window` starts again at `now`."""
    dialect = dialect_of(session)
    connection = await session.connection()
    if dialect == "postgresql":
        # A counter lost in a crash costs nothing; not waiting for the disk keeps a
        # citizen's look-up as fast as it was.
        await connection.execute(_LOCAL_ASYNC)
    found = await connection.execute(
        _hit_statement(dialect), {"key": key, "now": now, "since": now - window}
    )
    count, started = found.one()
    return int(count), started


@functools.cache
def _hit_statement(dialect: str) -> Any:
    """Built once: a citizen's look-up runs it, and building it cost more than running it."""
    expired = _TABLE.c.window_start <= bindparam("since")
    now = bindparam("now", type_=_TABLE.c.window_start.type)
    return (
        insert_into(dialect, RateCounterRow)
        .values(key=bindparam("key"), window_start=now, count=1)
        .on_conflict_do_update(
            index_elements=[_TABLE.c.key],
            set_={
                "count": case((expired, 1), else_=_TABLE.c.count + 1),
                "window_start": case((expired, now), else_=_TABLE.c.window_start),
            },
        )
        .returning(_TABLE.c.count, _TABLE.c.window_start)
    )


async def current(
    session: AsyncSession, key: str, window: timedelta, now: datetime
) -> tuple[int, datetime]:
    """The attempts counted in the key's current window, without counting one, and when
    that window started (0 and `now` when the key has none)."""
    connection = await session.connection()
    found = (
        await connection.execute(
            select(_TABLE.c.count, _TABLE.c.window_start).where(
                _TABLE.c.key == key, _TABLE.c.window_start > now - window
            )
        )
    ).first()
    return (0, now) if found is None else (int(found[0]), found[1])


def retry_after(started: datetime, window: timedelta, now: datetime) -> int:
    """Whole seconds until a window that started at `started` ends (at least one)."""
    return max(1, math.ceil((started + window - now).total_seconds()))


async def forget(session: AsyncSession, key: str) -> None:
    await (await session.connection()).execute(delete(_TABLE).where(_TABLE.c.key == key))
