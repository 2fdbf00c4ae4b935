"""The inputs of a dossier's own steps: the event logged with the projection, the dates
planned again with it, and the official form issued with it."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from schemas.actions import Decision
from schemas.deadlines import ClockRequest, ClockResult, NotificationRequest
from schemas.dossier import (
    DossierEvent,
    DossierFacts,
    DossierSnapshot,
    DossierStart,
    FormKind,
)


class FormIssue(BaseModel):
    """An official form to issue with its event, in the event's own transaction."""

    form: FormKind
    # The whole start: the form names the procedure, which the log does not need.
    dossier: DossierStart
    details: dict[str, Any] = Field(default_factory=dict)


class RecordEvent(BaseModel):
    """Input of the activity that appends an event and moves the projection with it."""

    # The facts only: the procedure's definition and ladder, which the log does not use,
    # were most of this input's bytes, encrypted and decoded on every event.
    dossier: DossierFacts
    snapshot: DossierSnapshot
    event: DossierEvent
    # What a fired rung tells whom, queued in the outbox in the event's own transaction.
    notification: NotificationRequest | None = None
    # The dossier's dates to plan again before the event is logged; the activity answers
    # with the plan, which the workflow then takes as well.
    replan: ClockRequest | None = None
    form: FormIssue | None = None


class FormRequest(BaseModel):
    """Input of the activity that renders an official form for an event."""

    form: FormKind
    dossier: DossierStart
    snapshot: DossierSnapshot
    event: DossierEvent
    details: dict[str, Any] = Field(default_factory=dict)


def stamp_due(event: DossierEvent, snapshot: DossierSnapshot) -> None:
    """The event that sets the dates (acceptance) names `due_at` in its data: the date set."""
    if "due_at" in event.data:
        event.data["due_at"] = None if snapshot.due_at is None else snapshot.due_at.isoformat()


def take_plan(snapshot: DossierSnapshot, plan: ClockResult) -> None:
    """Every date of the dossier from a clock plan, the same in the workflow and the log."""
    snapshot.original_due_at = plan.original_due_at
    snapshot.legal_due_at = plan.legal_due_at
    snapshot.due_at = plan.due_at
    snapshot.due_explanation_vi = plan.explanation_vi
    snapshot.due_explanation_en = plan.explanation_en
    snapshot.paused_working_hours = plan.paused_working_hours
    snapshot.step_due_at = plan.step_due_at
    snapshot.alarms = [alarm.model_copy() for alarm in plan.alarms]


class SigningRequest(BaseModel):
    """What the signing step needs; the token, its PIN and the keys stay with the worker."""

    # Names this attempt: a retried step finds what an earlier try of it stored.
    attempt: str
    dossier: DossierStart
    decision: Decision
    decision_number: str
    reason: str | None = None
    leader: str
    leader_unit: str
    decided_at: datetime
