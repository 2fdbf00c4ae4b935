"""A procedure of the catalogue, as declared in its data file and validated on load."""

from datetime import time
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from schemas.escalation import Rung
from schemas.unit import UNIT_CODE_PATTERN, Level

# National codes look like 1.001193; localised ones carry an agency suffix
# (1.000894.000.00.00.H56); procedures without a national code use a local code.
PROCEDURE_CODE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z.\-]{2,62}$"


def _naive(value: time) -> time:
    if value.tzinfo is not None:
        raise PydanticCustomError(
            "local_time",
            "Giờ chốt là giờ địa phương, không kèm múi giờ.",
            {"en": "A local time, without an offset."},
        )
    return value


# JSON Schema's `format: time` demands an offset; these are local times, HH:MM[:SS].
LocalTime = Annotated[
    time,
    AfterValidator(_naive),
    WithJsonSchema({"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"}),
]


class TimeUnit(StrEnum):
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    SAME_DAY = "same_day"
    CALENDAR_DAYS = "calendar_days"
    MONTHS = "months"


# DOMAIN.md, same-day rule: received after 15:00, due the next working day.
SAME_DAY_CUTOFF = time(15, 0)


class TimeLimit(BaseModel):
    value: float = Field(ge=0)
    unit: TimeUnit
    # For same-day procedures a dossier received after this time is due the next working day.
    # A local wall-clock time (the province's), never with an offset.
    cutoff: LocalTime | None = None


class PauseKind(StrEnum):
    FINANCIAL_OBLIGATION = "financial_obligation"
    EXTERNAL_VERIFICATION = "external_verification"
    PUBLIC_POSTING = "public_posting"


class StepRole(StrEnum):
    CLERK = "clerk"
    OFFICER = "officer"
    LEADER = "leader"
    OTHER_AGENCY = "other_agency"


class Step(BaseModel):
    """One step of the internal process the province approved, with its time budget."""

    name_vi: str = Field(min_length=2)
    name_en: str = Field(min_length=2)
    level: Level
    role: StepRole
    # A named unit (the land-office branch, the tax authority); none means the receiving
    # or competent unit of the dossier itself.
    unit: str | None = Field(default=None, pattern=UNIT_CODE_PATTERN)
    budget_working_days: float = Field(ge=0)
    # False for time that is legally excluded (tax authority, the payer, posting periods).
    counts: bool = True
    pause_reason: PauseKind | None = None

    @property
    def at_counter(self) -> bool:
        """A step of the one-stop counter (receiving, returning), before or after the units."""
        return self.role is StepRole.CLERK

    @model_validator(mode="after")
    def _excluded_time_says_why(self) -> "Step":
        if not self.counts and self.pause_reason is None:
            raise ValueError(f"step '{self.name_en}': time not counted needs a pause_reason")
        return self


class ReceivingRules(BaseModel):
    """Where and how the procedure may be submitted."""

    # Decree 118/2025: within the province a dossier may be received at any centre,
    # whatever the administrative boundary; a procedure can narrow that to its own level.
    anywhere_in_province: bool = True
    channels: list[int] = Field(default=[1, 2, 3], min_length=1)


class RequiredDocument(BaseModel):
    name_vi: str
    name_en: str
    copies: int = Field(default=1, ge=1)
    original_for_comparison: bool = False
    # "(nếu có)" papers: asked for when they exist, never a reason to refuse acceptance.
    mandatory: bool = True


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
    # Some fees are paid when the dossier is filed (a certified copy, a residence
    # registration); the counter accepts it only once paid or exempted. The others are asked
    # for after appraisal (`request_payment`).
    fee_at_submission: bool = False
    required_documents: list[RequiredDocument] = Field(default_factory=list)
    receiving: ReceivingRules = Field(default_factory=ReceivingRules)
    # Time that does not count against the limit beyond the applicant's supplement, which
    # always pauses the clock (e.g. the tax authority's time for land procedures).
    pauses_allowed: list[PauseKind] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    # None: the province's default ladder (catalogue/data/escalation.toml).
    escalation: list[Rung] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "ProcedureDefinition":
        if self.level is Level.PROVINCE and self.competent_unit is None:
            raise ValueError("a province-level procedure must name its competent_unit")
        budget = sum(step.budget_working_days for step in self.steps if step.counts)
        if (
            self.steps
            and self.time_limit.unit is TimeUnit.WORKING_DAYS
            and (budget > self.time_limit.value + 1e-9)
        ):
            raise ValueError(
                f"the steps' budgets ({budget:g} working days) exceed the legal time limit "
                f"({self.time_limit.value:g} working days)"
            )
        return self


class ProcedureSummary(BaseModel):
    code: str
    version: int
    name_vi: str
    name_en: str
    level: Level
    competent_unit: str | None
    time_limit: TimeLimit
    fee_vnd: int
    fee_at_submission: bool
    pauses_allowed: list[PauseKind]
    steps: list[Step]
    required_documents: list[RequiredDocument]
    receiving: ReceivingRules
