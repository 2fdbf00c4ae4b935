"""Engines and sessions for PostgreSQL (asyncpg) and the embedded SQLite file (aiosqlite)."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel.ext.asyncio.session import AsyncSession

SessionMaker = async_sessionmaker[AsyncSession]


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets the API read while the worker writes; foreign keys are off by default.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_async_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine.sync_engine, "checkout", _closed_by_the_server)
    return engine


def _closed_by_the_server(_: Any, record: ConnectionPoolEntry, __: Any) -> None:
    """Replace, at checkout, a pooled connection the server has closed (a restart, an idle
    timeout): asyncpg notices the close as it happens, so this costs no round trip.

    SQLAlchemy's `pool_pre_ping` would ask the server instead, and for asyncpg that is three
    round trips (begin, ping, rollback) before every request's first statement. A connection
    lost without a word (a network cut) fails its statement instead: the API answers 503
    with Retry-After, and the pool drops all its connections of that age.
    """
    driver = record.driver_connection
    if driver is not None and driver.is_closed():
        raise DisconnectionError("the server closed this connection")


def make_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def without_transaction(session: AsyncSession) -> None:
    """Run the session's statements each on its own, with no BEGIN and ROLLBACK around them.

    For reads: under READ COMMITTED every statement takes its own snapshot, transaction or
    not, so the transaction adds two round trips and nothing else. A single-statement write
    still commits on its own. Call before the session's first statement.
    """
    await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
