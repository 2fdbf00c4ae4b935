"""Staff accounts."""

import functools
from datetime import UTC, datetime
from typing import Any

from pwdlib import PasswordHash
from sqlalchemy import Row, Select, bindparam, delete, exists, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import OrgUnitRow, RevokedSessionRow, UserRow
from db.upsert import insert_for, table_of

# Argon2id with pwdlib's recommended parameters.
passwords = PasswordHash.recommended()


async def get_staff(session: AsyncSession, username: str, session_id: str = "") -> Row[Any] | None:
    """An active account of an active unit, in one round trip: every signed-in request asks.
    Plain values: username, full_name, password_hash, role, unit_code, the unit's level,
    `tokens_valid_after` and `revoked` (whether the session `session_id` was signed out).
    The staff of a closed unit (a merged commune) act no more."""
    found: Row[Any] | None = (
        await (await session.connection()).execute(
            _staff_statement(), {"username": username, "session_id": session_id}
        )
    ).first()
    return found


@functools.cache
def _staff_statement() -> Select[Any]:
    user, unit = table_of(UserRow), table_of(OrgUnitRow)
    revoked = table_of(RevokedSessionRow)
    signed_out = exists().where(revoked.c.session_id == bindparam("session_id"))
    return (
        select(user.c.username, user.c.full_name, user.c.password_hash, user.c.role,
               user.c.unit_code, unit.c.level, user.c.tokens_valid_after,
               signed_out.label("revoked"))
        .join(unit, unit.c.code == user.c.unit_code)
        .where(user.c.username == bindparam("username"), user.c.active, unit.c.active)
    )  # fmt: skip


async def revoke_session(
    session: AsyncSession, session_id: str, username: str, expires_at: datetime
) -> None:
    """Sign one session out on every replica; kept until its token would expire anyway."""
    table = table_of(RevokedSessionRow)
    await session.exec(
        insert_for(session, RevokedSessionRow)
        .values(session_id=session_id, username=username, expires_at=expires_at)
        .on_conflict_do_nothing(index_elements=[table.c.session_id])
    )
    await (await session.connection()).execute(
        delete(table).where(table.c.expires_at < datetime.now(UTC))
    )


async def disable_user(session: AsyncSession, username: str) -> bool:
    """The account signs in no more, and every session it holds ends now."""
    table = table_of(UserRow)
    result = await (await session.connection()).execute(
        update(table)
        .where(table.c.username == username)
        .values(active=False, tokens_valid_after=datetime.now(UTC))
    )
    return bool(result.rowcount)


async def is_active(session: AsyncSession, username: str) -> bool | None:
    """Whether the account is active; None when there is no such account."""
    table = table_of(UserRow)
    found = await (await session.connection()).execute(
        select(table.c.active).where(table.c.username == username)
    )
    value = found.scalar()
    return None if value is None else bool(value)


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
    *,
    enable: bool = False,
) -> bool:
    """Create the account, or update it; whether it is active afterwards. A new password
    (or a new role or unit) ends the sessions issued before; a disabled account stays
    disabled unless `enable` says."""
    now = datetime.now(UTC)
    values = {
        "username": username,
        "full_name": full_name,
        "password_hash": password_hash,
        "role": role,
        "unit_code": unit_code,
        "active": True,
        "created_at": now,
        "tokens_valid_after": now,
    }
    keep = ("username", "created_at") if enable else ("username", "created_at", "active")
    table = table_of(UserRow)
    saved = await (await session.connection()).execute(
        insert_for(session, UserRow)
        .values(**values)
        .on_conflict_do_update(
            index_elements=[table.c.username],
            set_={k: v for k, v in values.items() if k not in keep},
        )
        .returning(table.c.active)
    )
    return bool(saved.scalar_one())
