"""The working calendar as the database and the settings make it today."""

from sqlmodel.ext.asyncio.session import AsyncSession

from db.calendar import load_overrides
from motcua.settings import Settings
from worktime.calendar import WorkingCalendar


async def working_calendar(session: AsyncSession, settings: Settings) -> WorkingCalendar:
    days_off, working_days = await load_overrides(session)
    return WorkingCalendar(settings.timezone, settings.working_periods, days_off, working_days)
