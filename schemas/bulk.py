"""Decisions applied to many dossiers at once: suspensions, extensions, reassignments."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.bounds import Instant


class BulkSuspensionRequest(BaseModel):
    """Suspend or extend many open dossiers at once, with the legal reference."""

    model_config = ConfigDict(extra="forbid")

    units: list[str] | None = Field(default=None, max_length=200)
    procedures: list[str] | None = Field(default=None, max_length=200)
    received_from: datetime | None = None
    received_to: datetime | None = None
    paused_from: Instant | None = None
    paused_to: Instant | None = None
    extra_working_days: float = Field(default=0, ge=0, le=60)
    legal_reference: str = Field(min_length=3, max_length=300)
    reason: str = Field(min_length=3, max_length=2000)

    @model_validator(mode="after")
    def _something_to_do(self) -> "BulkSuspensionRequest":
        interval = self.paused_from is not None and self.paused_to is not None
        if (self.paused_from is None) != (self.paused_to is None):
            raise ValueError("give both paused_from and paused_to, or neither")
        if interval and self.paused_to <= self.paused_from:  # type: ignore[operator]
            raise ValueError("paused_to must be after paused_from")
        if not interval and not self.extra_working_days:
            raise ValueError("give a pause interval or extra_working_days")
        return self


class BulkReassignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_officer: str = Field(min_length=1, max_length=100)
    to_officer: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=3, max_length=2000)


class BulkResult(BaseModel):
    matched: int
    codes: list[str]
