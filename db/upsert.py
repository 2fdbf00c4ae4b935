"""INSERT … ON CONFLICT for whichever of PostgreSQL or SQLite the session runs on."""

from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


def table_of(model: type[SQLModel]) -> Table:
    return cast(Table, getattr(model, "__table__"))  # noqa: B009  (declared only at runtime)


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert_for(session: AsyncSession, model: type[SQLModel]) -> Any:
    """The dialect's own `insert`, which knows `on_conflict_do_nothing/update`."""
    return insert_into(dialect_of(session), model)


def insert_into(dialect: str, model: type[SQLModel]) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(table_of(model))
    if dialect == "sqlite":
        return sqlite.insert(table_of(model))
    raise RuntimeError(f"unsupported database dialect: {dialect}")
