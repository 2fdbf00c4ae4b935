"""Escalation ladders: which alarms a dossier's legal clock raises, and for whom."""

from enum import StrEnum
from typing import Self

from pydantic import BaseModel, Field, model_validator

from schemas.lifecycle import Role


class RungAction(StrEnum):
    REMIND_OFFICER = "remind_officer"
    NOTIFY_UNIT_HEAD = "notify_unit_head"
    REQUIRE_APOLOGY = "require_apology"
    BREACH = "breach"


class Rung(BaseModel):
    """One rung of an escalation ladder: when it fires, what it does, whom it tells."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    label_vi: str
    label_en: str
    action: RungAction
    # Exactly one trigger: a share of the legal budget used, working hours before the due
    # date, or the due date itself.
    budget_used: float | None = Field(default=None, gt=0, lt=1)
    working_hours_before_due: float | None = Field(default=None, gt=0)
    at_due: bool = False
    notify: list[Role] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_trigger(self) -> Self:
        triggers = [self.budget_used is not None, self.working_hours_before_due is not None]
        if sum(triggers) + int(self.at_due) != 1:
            raise ValueError(
                f"rung {self.id}: give exactly one of budget_used, working_hours_before_due, at_due"
            )
        return self


class Ladder(BaseModel):
    rungs: list[Rung] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        ids = [rung.id for rung in self.rungs]
        if len(set(ids)) != len(ids):
            raise ValueError(f"rung ids must be unique: {ids}")
        return self
