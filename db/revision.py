"""`make migration m="…"`: autogenerate a revision against a scratch PostgreSQL database.

Generating against PostgreSQL (not SQLite) keeps JSONB, time zones and constraints right.
"""

import asyncio
import os
import sys

from alembic import command

from db.migrate import alembic_config, recreate_database, upgrade

SCRATCH = os.environ.get(
    "MOTCUA_MIGRATION_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_revision"
)


def main(message: str) -> None:
    asyncio.run(recreate_database(SCRATCH))
    # An empty scratch database has no days to count: any time zone does.
    upgrade(SCRATCH, "UTC")
    command.revision(alembic_config(SCRATCH, "UTC"), message=message, autogenerate=True)


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].strip():
        sys.exit('usage: make migration m="what changed"')
    main(sys.argv[1])
