"""The range of dates a one-stop system can mean: a year such as 2 or 8368 is a typing slip
(or a number read as seconds since 1970), and is refused naming the field."""

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def _day_in_range(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise PydanticCustomError(
            "date_out_of_range",
            f"Ngày phải trong khoảng {EARLIEST:%d/%m/%Y} – {LATEST:%d/%m/%Y}.",
            {"en": f"The date must lie between {EARLIEST} and {LATEST}."},
        )
    return value


def _instant_in_range(value: datetime) -> datetime:
    _day_in_range(value.date())
    return value


Day = Annotated[date, AfterValidator(_day_in_range)]
Instant = Annotated[datetime, AfterValidator(_instant_in_range)]
