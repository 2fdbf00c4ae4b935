"""What a citizen sends and reads with the receipt's secret: tracking, feedback."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from schemas.views import StatusInfo


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


class ResultLink(BaseModel):
    """The signed result the applicant may download (once returned electronically)."""

    number: str
    kind_name_vi: str
    kind_name_en: str
    signed_at: datetime
    valid_until: datetime | None
    url: str


class IssuedForm(BaseModel):
    """An official form the applicant was issued (Forms 01–05), to download."""

    form: str
    title_vi: str
    issued_at: datetime
    url: str


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
    result: ResultLink | None = None
    forms: list[IssuedForm] = Field(default_factory=list)
