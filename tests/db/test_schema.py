"""Migrations: they match the models, go down and up again, run on SQLite, guard the log."""

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

import db.models  # noqa: F401
from db.migrate import alembic_config, recreate_database, upgrade_async
from db.session import SessionMaker, make_engine
from tests.conftest import DATABASE_URL
from tests.province import TIMEZONE

# The migrations must create exactly the tables the models declare.
TABLES = sorted([*SQLModel.metadata.tables, "alembic_version"])


async def test_models_and_migrations_agree(engine: AsyncEngine) -> None:
    def diff(connection: object) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})  # type: ignore[arg-type]
        return list(compare_metadata(context, SQLModel.metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_downgrade_to_base_and_upgrade_again() -> None:
    url = DATABASE_URL.rsplit("/", 1)[0] + "/motcua_test_migrations"
    await recreate_database(url)
    await upgrade_async(url, TIMEZONE)

    await asyncio.to_thread(command.downgrade, alembic_config(url, TIMEZONE), "base")
    await upgrade_async(url, TIMEZONE)

    scratch = make_engine(url)
    async with scratch.connect() as connection:
        names = (
            (
                await connection.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                        "ORDER BY table_name"
                    )
                )
            )
            .scalars()
            .all()
        )
    await scratch.dispose()
    assert names == TABLES


async def test_migrations_run_on_the_embedded_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'motcua.db'}"

    await upgrade_async(url, TIMEZONE)

    sqlite = make_engine(url)
    async with sqlite.connect() as connection:
        names = (
            (
                await connection.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                )
            )
            .scalars()
            .all()
        )
    await sqlite.dispose()
    assert names == TABLES


@pytest.mark.parametrize(
    "statement",
    ["UPDATE dossier_event SET reason = 'rewritten'", "DELETE FROM dossier_event"],
)
async def test_the_event_log_refuses_updates_and_deletes(
    sessionmaker: SessionMaker, statement: str
) -> None:
    code = f"TEST-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    async with sessionmaker() as session, session.begin():
        await session.exec(
            text(  # type: ignore[call-overload]
                "INSERT INTO dossier (code, procedure_code, procedure_version, receiving_unit, "
                "competent_authority, returning_unit, channel, status, sub_state, applicant_name, "
                "applicant_id_number, applicant_phone, applicant, submitted_at, updated_at, last_seq) "
                "VALUES (:c, '1.001193', 1, 'xa-vu-bon', 'xa-vu-bon', 'xa-vu-bon', 1, 1, "
                "'awaiting_receipt', 'A B', '066190001234', '0912345678', '{}', :t, :t, 1)"
            ).bindparams(c=code, t=now)
        )
        await session.exec(
            text(  # type: ignore[call-overload]
                "INSERT INTO dossier_event (dossier_code, seq, type, at, actor, actor_unit, "
                "to_status, sub_state, data) VALUES (:c, 1, 'submitted', :t, 'x', 'xa-vu-bon', 1, "
                "'awaiting_receipt', '{}')"
            ).bindparams(c=code, t=now)
        )

    async with sessionmaker() as session:
        with pytest.raises(DBAPIError, match="append-only"):
            await session.exec(text(statement))  # type: ignore[call-overload]
