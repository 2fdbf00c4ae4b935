"""A unit's work queue, as the API answers it."""

from datetime import datetime

from pydantic import BaseModel

from schemas.views import StatusInfo


class QueueItem(BaseModel):
    code: str
    procedure_code: str
    status: StatusInfo
    sub_state: str
    applicant_name: str
    assignee: str | None
    submitted_at: datetime
    due_at: datetime | None
    overdue: bool


class QueuePage(BaseModel):
    unit: str
    total: int
    page: int
    size: int
    items: list[QueueItem]


class SearchPage(BaseModel):
    query: str
    total: int
    page: int
    size: int
    items: list[QueueItem]
