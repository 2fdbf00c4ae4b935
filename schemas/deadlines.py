"""Clocks, escalation ladders and alarms: the data the deadline activities work on."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from schemas.escalation import Rung, RungAction
from schemas.lifecycle import Role
from schemas.procedure import TimeLimit


class PauseReason(StrEnum):
    SUPPLEMENT = "supplement"
    FINANCIAL_OBLIGATION = "financial_obligation"
    EXTERNAL_VERIFICATION = "external_verification"
    PUBLIC_POSTING = "public_posting"
    # A typhoon, a flood, a decree: suspended in bulk, with its legal reference.
    FORCE_MAJEURE = "force_majeure"


class Pause(BaseModel):
    """An interval during which the legal clock does not run."""

    reason: PauseReason
    started_at: datetime
    ended_at: datetime | None = None
    legal_reference: str | None = None
    note: str | None = None


class ClockRequest(BaseModel):
    accepted_at: datetime
    limit: TimeLimit
    pauses: list[Pause] = Field(default_factory=list)
    extended_due_at: datetime | None = None
    extended_at: datetime | None = None
    extra_working_days: float = 0
    ladder: list[Rung] = Field(default_factory=list)
    now: datetime
    step_started_at: datetime | None = None
    step_budget_working_days: float | None = None


class Alarm(BaseModel):
    """A rung of the escalation ladder, planned for this dossier: when it fires, whom it
    tells. The plan answers these, and the dossier keeps them as they were planned."""

    rung_id: str
    action: RungAction
    label_vi: str
    fire_at: datetime
    notify: list[Role]


class ClockResult(BaseModel):
    # Form 01's date; the legal date with pause time added (what statistics judge by);
    # and the current date, which also carries extensions.
    original_due_at: datetime
    legal_due_at: datetime
    due_at: datetime
    explanation_vi: str
    explanation_en: str
    paused_working_hours: float
    alarms: list[Alarm]
    step_due_at: datetime | None = None


class NotificationRequest(BaseModel):
    """What a fired rung tells whom; the outbox keys it by (dossier, event, recipient)."""

    dossier_code: str
    seq: int
    kind: str
    recipients: list[str] = Field(min_length=1)
    message_vi: str
    message_en: str
    # Added to the message in the province's time when queued (the workflow knows no zone).
    due_at: datetime | None = None


class Suspension(BaseModel):
    """A bulk decision applied to one dossier: a pause interval or extra working days."""

    legal_reference: str = Field(min_length=3, max_length=300)
    reason: str = Field(min_length=3, max_length=2000)
    paused_from: datetime | None = None
    paused_to: datetime | None = None
    extra_working_days: float = Field(default=0, ge=0, le=60)
    decided_by: str = Field(min_length=1, max_length=100)


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # refused; tried again at next_attempt_at
    ABANDONED = "abandoned"  # refused at every attempt; for a person to deliver


class NotificationItem(BaseModel):
    """One message of the outbox, as a supervisor sees it."""

    id: int
    dossier_code: str
    seq: int
    kind: str
    recipient: str
    channel: str
    message_vi: str
    status: NotificationStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationItem]
    # Pass as `after` for the next page; none when this page was the last.
    next_after: int | None
