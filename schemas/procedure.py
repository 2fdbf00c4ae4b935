"""A procedure of the catalogue, as declared in its data file and validated on load."""

from datetime import time
from enum import StrEnum

from pydantic import BaseModel, Field

from schemas.unit import UNIT_CODE_PATTERN, Level

# National codes look like 1.001193; localised ones carry an agency suffix
# (1.000894.000.00.00.H56); procedures without a national code use a local code.
PROCEDURE_CODE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z.\-]{2,62}$"


class TimeUnit(StrEnum):
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    SAME_DAY = "same_day"
    CALENDAR_DAYS = "calendar_days"
    MONTHS = "months"


class TimeLimit(BaseModel):
    value: float = Field(ge=0)
    unit: TimeUnit
    # For same-day procedures a dossier received after this time is due the next working day.
    cutoff: time | None = None


class RequiredDocument(BaseModel):
    name_vi: str
    name_en: str
    copies: int = Field(default=1, ge=1)
    original_for_comparison: bool = False


class ProcedureDefinition(BaseModel):
    code: str = Field(pattern=PROCEDURE_CODE_PATTERN)
    version: int = Field(ge=1)
    name_vi: str = Field(min_length=3)
    name_en: str = Field(min_length=3)
    level: Level
    # A province-level procedure names the body that decides it; a commune-level one is
    # decided by the commune the applicant chooses (by default the one that receives it).
    competent_unit: str | None = Field(default=None, pattern=UNIT_CODE_PATTERN)
    time_limit: TimeLimit
    fee_vnd: int = Field(default=0, ge=0)
    required_documents: list[RequiredDocument] = Field(default_factory=list)


class ProcedureSummary(BaseModel):
    code: str
    version: int
    name_vi: str
    name_en: str
    level: Level
    competent_unit: str | None
    time_limit: TimeLimit
    fee_vnd: int
