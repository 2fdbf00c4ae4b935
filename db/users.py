"""Staff accounts."""

from datetime import UTC, datetime

from pwdlib import PasswordHash
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import OrgUnitRow, UserRow
from db.upsert import insert_for, table_of

# Argon2id with pwdlib's recommended parameters.
passwords = PasswordHash.recommended()


async def get_staff(session: AsyncSession, username: str) -> tuple[UserRow, str] | None:
    """An active account of an active unit, with the unit's level, in one round trip: every
    signed-in request asks. The staff of a closed unit (a merged commune) act no more."""
    found = (
        await session.exec(
            select(UserRow, OrgUnitRow.level)
            .join(OrgUnitRow, col(OrgUnitRow.code) == UserRow.unit_code)
            .where(UserRow.username == username, col(UserRow.active), col(OrgUnitRow.active))
        )
    ).first()
    return None if found is None else (found[0], found[1])


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
