"""A pooled connection the server has closed is replaced at checkout, without a ping."""

import asyncio

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from db.session import make_engine
from tests.conftest import DATABASE_URL


async def _backend(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _closed_by_the_server(engine: AsyncEngine) -> int:
    """Pool one connection, have the server end it as a restart would, and return its pid."""
    pid = await _backend(engine)
    admin = await asyncpg.connect(DATABASE_URL.replace("+asyncpg", ""))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    await asyncio.sleep(0.5)  # the server's goodbye reaches the idle pooled connection
    return pid


# The `engine` fixture creates the test database.
@pytest.mark.usefixtures("engine")
async def test_a_connection_the_server_closed_is_replaced_at_checkout() -> None:
    pooled = make_engine(DATABASE_URL, pool_size=1, max_overflow=0)
    try:
        gone = await _closed_by_the_server(pooled)

        assert await _backend(pooled) != gone
    finally:
        await pooled.dispose()


@pytest.mark.usefixtures("engine")
async def test_without_the_check_the_first_statement_fails() -> None:
    # The control: the same pool without make_engine's check hands out the dead connection.
    bare = create_async_engine(DATABASE_URL, pool_size=1, max_overflow=0)
    try:
        await _closed_by_the_server(bare)

        with pytest.raises(DBAPIError) as failed:
            await _backend(bare)
        assert failed.value.connection_invalidated
    finally:
        await bare.dispose()
