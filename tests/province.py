"""The province the tests run in: the time zone the default settings give it."""

from typing import Any
from zoneinfo import ZoneInfo

from motcua.settings import Settings
from worktime.calendar import WorkingCalendar

TIMEZONE: str = Settings.model_fields["timezone"].default
TZ = ZoneInfo(TIMEZONE)


def province_calendar(**kwargs: Any) -> WorkingCalendar:
    return WorkingCalendar(TIMEZONE, **kwargs)
