"""Staff accounts."""

import functools
from datetime import UTC, datetime
from typing import Any

from pwdlib import PasswordHash
from sqlalchemy import Row, Select, bindparam, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import OrgUnitRow, UserRow
from db.upsert import insert_for, table_of

# Argon2id with pwdlib's recommended parameters.
passwords = PasswordHash.recommended()


async def get_staff(session: AsyncSession, username: str) -> Row[Any] | None:
    """An active account of an active unit, in one round trip: every signed-in request asks.
    Plain values: username, full_name, password_hash, role, unit_code and the unit's level.
    The staff of a closed unit (a merged commune) act no more."""
    found: Row[Any] | None = (
        await (await session.connection()).execute(_staff_statement(), {"username": username})
    ).first()
    return found


@functools.cache
def _staff_statement() -> Select[Any]:
    user, unit = table_of(UserRow), table_of(OrgUnitRow)
    return (
        select(user.c.username, user.c.full_name, user.c.password_hash, user.c.role,
                  user.c.unit_code, unit.c.level)
        .join(unit, unit.c.code == user.c.unit_code)
        .where(user.c.username == bindparam("username"), user.c.active, unit.c.active)
    )  # fmt: skip


async def roles_at(session: AsyncSession, unit_code: str) -> set[str]:
    """The roles the active accounts of a unit hold."""
    table = table_of(UserRow)
    found = await (await session.connection()).execute(
        select(table.c.role).where(table.c.unit_code == unit_code, table.c.active).distinct()
    )
    return {str(role) for role in found.scalars()}


async def save_user(
    session: AsyncSession,
    username: str,
    full_name: str,
    password_hash: str,
    role: str,
    unit_code: str,
) -> None:
    values = {
        "username": username,
        "full_name": full_name,
        "password_hash": password_hash,
        "role": role,
        "unit_code": unit_code,
        "active": True,
        "created_at": datetime.now(UTC),
    }
    table = table_of(UserRow)
    await session.exec(
        insert_for(session, UserRow)
        .values(**values)
        .on_conflict_do_update(
            index_elements=[table.c.username],
            set_={k: v for k, v in values.items() if k not in ("username", "created_at")},
        )
    )
