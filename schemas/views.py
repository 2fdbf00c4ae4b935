"""What the HTTP API answers: receipts, dossier details and their parts."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.bounds import Day, Instant
from schemas.dossier import Alarm, Applicant, Consultation, ExtensionDraft, Pause
from schemas.lifecycle import ActionLabel
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
    consultations: list[Consultation]
    pauses: list[Pause]
    forms: list[FormInfo]
    timeline: list[TimelineEntry]
    allowed_actions: list[ActionLabel]


class ComponentHealth(BaseModel):
    ok: bool
    latency_ms: float | None = None
    error: str | None = None


class Health(BaseModel):
    status: str
    database: ComponentHealth
    temporal: ComponentHealth


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


class CalendarOverride(BaseModel):
    day: Day
    kind: Literal["day_off", "working_day"]
    reason: str = Field(min_length=3, max_length=300)
    # Set from the signed-in administrator.
    created_by: str = Field(default="", max_length=100)


class OverrideResult(BaseModel):
    override: CalendarOverride | None
    dossiers_recomputed: int


class DueAnswer(BaseModel):
    due_at: datetime
    explanation_vi: str
    explanation_en: str


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


class BulkResult(BaseModel):
    matched: int
    codes: list[str]


class PublicEvent(BaseModel):
    at: datetime
    label_vi: str
    label_en: str
    status: StatusInfo


class FeedbackSubmission(BaseModel):
    """The applicant's rating of the service once the dossier is finished, and any complaint."""

    model_config = ConfigDict(extra="forbid")

    rating: int = Field(ge=1, le=5, description="1 (rất không hài lòng) … 5 (rất hài lòng)")
    complaint: str | None = Field(default=None, min_length=3, max_length=2000)


class FeedbackView(BaseModel):
    rating: int
    complaint: str | None
    created_at: datetime


class TrackingView(BaseModel):
    """What a citizen sees: nothing personal beyond what they entered, no staff names."""

    code: str
    procedure_name_vi: str
    procedure_name_en: str
    applicant_name: str
    status: StatusInfo
    receiving_unit: str
    returning_unit: str
    submitted_at: datetime
    expected_result_at: datetime | None
    why_vi: str | None
    why_en: str | None
    paused: bool
    missing_documents: list[str]
    supplement_due_at: datetime | None
    timeline: list[PublicEvent]
    # Open once processing has ended (result ready, returned, refused or stopped).
    feedback_open: bool = False
    feedback: FeedbackView | None = None


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


class BulkReassignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_officer: str = Field(min_length=1, max_length=100)
    to_officer: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=3, max_length=2000)


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
