"""What the HTTP API answers about a dossier: the receipt, its detail and its parts."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from schemas.dossier import Alarm, Applicant, Consultation, ExtensionDraft, Pause
from schemas.lifecycle import ActionLabel
from schemas.results import SignedResult, SigningFailure
from schemas.status import Channel, DossierStatus, SubState


class StatusInfo(BaseModel):
    code: DossierStatus
    name_vi: str
    name_en: str

    @classmethod
    def of(cls, status: DossierStatus) -> "StatusInfo":
        return cls(code=status, name_vi=status.name_vi, name_en=status.name_en)


class SubStateInfo(BaseModel):
    code: SubState
    name_vi: str
    name_en: str

    @classmethod
    def of(cls, sub_state: SubState) -> "SubStateInfo":
        return cls(code=sub_state, name_vi=sub_state.name_vi, name_en=sub_state.name_en)


class ChannelInfo(BaseModel):
    code: Channel
    name_vi: str


class UnitRef(BaseModel):
    code: str
    e_id: str
    name_vi: str


class ProcedureRef(BaseModel):
    code: str
    version: int
    name_vi: str
    name_en: str


class SubmissionReceipt(BaseModel):
    """The answer to a submission. The tracking secret is what the citizen needs to follow it."""

    code: str
    tracking_secret: str
    status: StatusInfo
    procedure: ProcedureRef
    receiving_unit: UnitRef
    competent_authority: UnitRef
    returning_unit: UnitRef
    submitted_at: datetime


class TimelineEntry(BaseModel):
    seq: int
    type: str
    label_vi: str
    label_en: str
    at: datetime
    actor: str
    actor_unit: str
    from_status: DossierStatus | None
    to_status: DossierStatus
    reason: str | None


class DueInfo(BaseModel):
    """The dossier's clocks: Form 01's date, the legal date after pauses, the current one."""

    original_due_at: datetime | None
    legal_due_at: datetime | None
    due_at: datetime | None
    explanation_vi: str | None
    explanation_en: str | None
    paused: bool
    paused_working_hours: float
    # Decision 766: more than one supplement request counts the dossier as late.
    late_by_rule: bool
    step: str
    step_due_at: datetime | None
    supplement_due_at: datetime | None
    apology_required: bool
    extension_draft: ExtensionDraft | None
    alarms: list[Alarm]
    fired_rungs: list[str]


class FormInfo(BaseModel):
    form: str
    seq: int
    title_vi: str
    filename: str
    url: str
    created_at: datetime


class HandoverEntry(BaseModel):
    """A line of the process-control sheet (Form 06)."""

    seq: int
    from_unit: str
    to_unit: str
    at: datetime
    actor: str
    event_type: str


class DossierDetail(BaseModel):
    code: str
    procedure: ProcedureRef
    receiving_unit: UnitRef
    competent_authority: UnitRef
    returning_unit: UnitRef
    holder_unit: str
    channel: ChannelInfo
    status: StatusInfo
    sub_state: SubStateInfo
    applicant: Applicant
    assignee: str | None
    submitted_at: datetime
    accepted_at: datetime | None
    due: DueInfo
    supplement_requests: int
    decision: str | None
    decision_number: str | None
    # The signed result once issued; why the last signature failed, while it awaits one.
    result: SignedResult | None = None
    signing_failure: SigningFailure | None = None
    consultations: list[Consultation]
    pauses: list[Pause]
    forms: list[FormInfo]
    timeline: list[TimelineEntry]
    allowed_actions: list[ActionLabel]


class StepTimeView(BaseModel):
    sub_state: str
    unit: str
    level: str
    working_hours: float


class TimeAccountView(BaseModel):
    """Where the time went: working hours per level and per step, paused time apart."""

    code: str
    by_level: dict[str, float]
    steps: list[StepTimeView]
    paused_hours: float
    total_hours: float


class AuditEvent(BaseModel):
    """One line of the append-only audit log, whole."""

    seq: int
    type: str
    at: datetime
    actor: str
    actor_unit: str
    from_status: int | None
    to_status: int
    sub_state: str
    reason: str | None
    data: dict[str, Any]


class SatisfactionLine(BaseModel):
    """Ratings of one counter clerk (or, with `clerk` None, of the whole unit)."""

    unit: str
    clerk: str | None
    ratings: int
    # Share rating the service 4 or 5 (hài lòng, rất hài lòng), in percent.
    satisfied_share: float
    publicity: float
    attitude: float
    timeliness: float
    outcome: float
    complaints: int


class SatisfactionReport(BaseModel):
    start: date
    end: date
    lines: list[SatisfactionLine]
