"""Applying Alembic migrations from code, so `make run` and the tests need no alembic.ini."""

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str, timezone: str) -> Config:
    """`timezone` is the province's (`MOTCUA_TIMEZONE`): a migration that counts days
    counts them there."""
    config = Config()
    config.attributes["timezone"] = timezone
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade(database_url: str, timezone: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url, timezone), revision)


async def upgrade_async(database_url: str, timezone: str, revision: str = "head") -> None:
    # Alembic's async env runs its own event loop, so it goes to a thread.
    await asyncio.to_thread(upgrade, database_url, timezone, revision)


async def recreate_database(url: str) -> None:
    """Drop and create the database a URL names (tests, migration generation)."""
    import asyncpg  # only PostgreSQL has databases to recreate
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = await asyncpg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        password=parsed.password,
        database="postgres",
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.close()
