"""The working calendar: the deadline activities' inputs and outputs, administrators'
overrides and the due-date calculator's answer."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from schemas.bounds import Day
from schemas.procedure import TimeLimit


class DueRequest(BaseModel):
    start: datetime
    time_limit: TimeLimit


class DueResult(BaseModel):
    due_at: datetime
    explanation_vi: str
    explanation_en: str


class OverrideKind(StrEnum):
    DAY_OFF = "day_off"  # a holiday announced late, a typhoon
    WORKING_DAY = "working_day"  # a Saturday worked to make up for a bridged holiday


class CalendarOverride(BaseModel):
    day: Day
    kind: OverrideKind
    reason: str = Field(min_length=3, max_length=300)
    # The decision behind the change, which the citizens whose dates move are told.
    legal_reference: str | None = Field(default=None, max_length=200)
    # Set from the signed-in administrator.
    created_by: str = Field(default="", max_length=100)


class CalendarChange(BaseModel):
    """What dossiers are told of a calendar change: the day, declared off or working
    (None: an override removed), why, and the decision behind it."""

    day: Day
    kind: OverrideKind | None
    reason: str
    legal_reference: str | None = None
    created_by: str = ""


class OverrideResult(BaseModel):
    override: CalendarOverride | None
    dossiers_recomputed: int


class DueAnswer(BaseModel):
    due_at: datetime
    explanation_vi: str
    explanation_en: str
