"""Complaints and petitions (phản ánh, kiến nghị) as cases: filed by anyone, about a dossier
or in general, owned by a unit, answered within a legal time in working days, reminded and
escalated by the province's ladder, the answer published."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from schemas.dossier import Email, FullName, Phone
from schemas.escalation import Rung
from schemas.unit import UNIT_CODE_PATTERN


class ComplaintStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"

    @property
    def name_vi(self) -> str:
        return "Đang xử lý" if self is ComplaintStatus.OPEN else "Đã trả lời"

    @property
    def name_en(self) -> str:
        return "Being handled" if self is ComplaintStatus.OPEN else "Answered"


class ComplaintSubmission(BaseModel):
    """A complaint about a dossier (its code and the receipt's secret) or about a unit's
    service in general (the unit), with a way to reach the person filing it."""

    model_config = ConfigDict(extra="forbid")

    dossier_code: str | None = Field(default=None, max_length=64)
    secret: str | None = Field(default=None, max_length=20)
    unit: str | None = Field(default=None, pattern=UNIT_CODE_PATTERN)
    full_name: FullName
    phone: Phone
    email: Email | None = None
    subject: str = Field(min_length=3, max_length=200)
    content: str = Field(min_length=10, max_length=4000)

    @model_validator(mode="after")
    def _about_something(self) -> "ComplaintSubmission":
        if self.dossier_code is None and self.unit is None:
            raise PydanticCustomError(
                "about_required",
                "Chọn đơn vị bị phản ánh (unit), hoặc ghi mã hồ sơ và mã tra cứu.",
                {"en": "Choose the unit (unit), or give the dossier code and its secret."},
            )
        if self.dossier_code is not None and not self.secret:
            raise PydanticCustomError(
                "secret_required",
                "Phản ánh về một hồ sơ cần mã tra cứu in trên giấy tiếp nhận (secret).",
                {"en": "A complaint about a dossier needs the secret on its receipt (secret)."},
            )
        return self


class ComplaintAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str = Field(min_length=10, max_length=4000)
    # Published on the public page (the person's name and phone never are).
    publish: bool = True


class ComplaintView(BaseModel):
    code: str
    subject: str
    content: str
    dossier_code: str | None
    owner_unit: str
    owner_unit_name: str
    status: ComplaintStatus
    received_at: datetime
    due_at: datetime
    late: bool
    answer: str | None
    answered_at: datetime | None
    published: bool


class ComplaintTask(BaseModel):
    """The complaint workflow's input: when each rung fires, and whom it tells."""

    code: str
    owner_unit: str
    subject: str
    due_at: datetime
    rungs: list[tuple[datetime, Rung]]


class ComplaintAlarm(BaseModel):
    """A rung come due on an unanswered complaint."""

    code: str
    seq: int
    rung: Rung
    due_at: datetime
