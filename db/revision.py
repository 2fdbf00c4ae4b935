"""`make migration m="…"`: autogenerate a revision against a scratch PostgreSQL database.

Generating against PostgreSQL (not SQLite) keeps JSONB, time zones and constraints right.
"""

import asyncio
import os
import sys

import asyncpg
from alembic import command
from sqlalchemy.engine import make_url

from db.migrate import alembic_config, upgrade

SCRATCH = os.environ.get(
    "MOTCUA_MIGRATION_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_revision"
)


async def _recreate(url: str) -> None:
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


def main(message: str) -> None:
    asyncio.run(_recreate(SCRATCH))
    upgrade(SCRATCH)
    command.revision(alembic_config(SCRATCH), message=message, autogenerate=True)


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].strip():
        sys.exit('usage: make migration m="what changed"')
    main(sys.argv[1])
