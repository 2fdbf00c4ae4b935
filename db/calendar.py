"""The calendar override table: extra days off and make-up working days."""

from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import CalendarOverrideRow
from schemas.calendar import OverrideKind


async def load_overrides(session: AsyncSession) -> tuple[dict[date, str], frozenset[date]]:
    rows = await session.exec(select(CalendarOverrideRow))
    days_off: dict[date, str] = {}
    working: set[date] = set()
    for row in rows:
        if row.kind == OverrideKind.DAY_OFF:
            days_off[row.day] = row.reason
        else:
            working.add(row.day)
    return days_off, frozenset(working)


async def list_overrides(session: AsyncSession) -> list[CalendarOverrideRow]:
    return list(
        await session.exec(select(CalendarOverrideRow).order_by(col(CalendarOverrideRow.day)))
    )
