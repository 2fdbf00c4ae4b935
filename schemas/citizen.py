"""What a citizen sends and reads with the receipt's secret: tracking, feedback."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from schemas.views import StatusInfo


class PublicEvent(BaseModel):
    at: datetime
    label_vi: str
    label_en: str
    status: StatusInfo


Score = Annotated[int, Field(ge=1, le=5)]
# The official criteria of a rating, in the order the form asks them.
CRITERIA = ("publicity", "attitude", "timeliness", "outcome")
CRITERIA_NAMES = {
    "publicity": ("Công khai, minh bạch thủ tục", "Publicity of the procedure"),
    "attitude": ("Thái độ, tinh thần phục vụ của cán bộ", "Attitude of the staff"),
    "timeliness": ("Thời gian giải quyết", "Time taken"),
    "outcome": ("Kết quả giải quyết", "The result"),
}
SCORE_NAMES = {
    5: ("Rất hài lòng", "Very satisfied"),
    4: ("Hài lòng", "Satisfied"),
    3: ("Bình thường", "Neutral"),
    2: ("Không hài lòng", "Dissatisfied"),
    1: ("Rất không hài lòng", "Very dissatisfied"),
}


class FeedbackSubmission(BaseModel):
    """The applicant's rating of the service once the dossier is finished: the four official
    criteria (or, from older clients, one overall `rating`), a comment, and any complaint."""

    model_config = ConfigDict(extra="forbid")

    rating: int | None = Field(
        default=None, ge=1, le=5, description="1 (rất không hài lòng) … 5 (rất hài lòng)"
    )
    publicity: Score | None = None
    attitude: Score | None = None
    timeliness: Score | None = None
    outcome: Score | None = None
    comment: str | None = Field(default=None, max_length=2000)
    complaint: str | None = Field(default=None, min_length=3, max_length=2000)

    @model_validator(mode="after")
    def _rated(self) -> "FeedbackSubmission":
        scores = [getattr(self, c) for c in CRITERIA]
        if self.rating is None and None in scores:
            raise PydanticCustomError(
                "criteria_required",
                "Hãy chấm đủ bốn tiêu chí (công khai, thái độ, thời gian, kết quả).",
                {"en": "Rate all four criteria (publicity, attitude, time, result)."},
            )
        return self

    @property
    def overall(self) -> int:
        """The rating given, or the criteria's mean, rounded half up."""
        if self.rating is not None:
            return self.rating
        scores = [int(getattr(self, c)) for c in CRITERIA]
        return int(sum(scores) / len(scores) + 0.5)


class FeedbackView(BaseModel):
    rating: int
    complaint: str | None
    created_at: datetime
    publicity: int | None = None
    attitude: int | None = None
    timeliness: int | None = None
    outcome: int | None = None
    comment: str | None = None


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
