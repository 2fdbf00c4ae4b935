"""What supervisors read: dossiers at risk or late, and the 766 statistics."""

from datetime import date, datetime

from pydantic import BaseModel


class RiskItem(BaseModel):
    code: str
    procedure_code: str
    status: int
    holder_unit: str
    assignee: str | None
    competent_authority: str
    due_at: datetime | None
    last_rung: str | None
    working_hours_late: float
    # Where the time went, per level and step.
    time_url: str


class RiskPage(BaseModel):
    items: list[RiskItem]


class UnitStatistics(BaseModel):
    unit: str
    carried_over: int
    received: dict[str, int]
    finished_early: int
    finished_on_time: int
    finished_late: int
    in_progress_within_deadline: int
    in_progress_overdue: int
    paused: int
    refused: int
    withdrawn: int
    indicators: dict[str, float | None]


class StatisticsReport(BaseModel):
    """A report over whole days in province time, both ends included."""

    start: date
    end: date
    by: str
    units: list[UnitStatistics]
