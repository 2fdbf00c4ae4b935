"""The body of each action, as the API validates it and the workflow's Update receives it."""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from schemas.bounds import Instant
from schemas.documents import ChecklistMark, DocumentRef
from schemas.unit import UNIT_CODE_PATTERN

UnitCode = Annotated[str, Field(pattern=UNIT_CODE_PATTERN)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class ActionCommand(BaseModel):
    """What every action carries: who acts, for which unit, and why.

    Over HTTP the actor and their unit come from the signed-in user, never from the body.
    """

    model_config = ConfigDict(extra="forbid")

    actor: str = Field(default="", max_length=100)
    actor_unit: UnitCode | None = None
    reason: str | None = Field(default=None, max_length=2000)


Checklist = Annotated[
    list[ChecklistMark],
    Field(
        max_length=100,
        description="Kết quả kiểm tra từng thành phần hồ sơ; thành phần không đánh dấu được "
        "suy ra từ tệp đã lưu (có tệp: đã nhận, không có: còn thiếu).",
    ),
]


class Acceptance(ActionCommand):
    """Receiving a dossier against the procedure's checklist (Decree 118/2025 art. 15)."""

    checklist: Checklist = Field(default_factory=list)
    override_reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        description="Lý do vẫn tiếp nhận khi còn thiếu giấy tờ bắt buộc.",
    )
    # Judged by the engine from the checklist and the stored scans (766: 4.2); whatever a
    # client sends is replaced before the workflow sees it.
    digitised: bool = Field(
        default=False,
        description="Tính từ danh mục kiểm tra và bản quét đã lưu; giá trị gửi lên bị thay thế.",
    )


class ReasonedCommand(ActionCommand):
    """Refusing, withdrawing, stopping or reassigning must say why (Decree 118/2025)."""

    reason: Text


class SupplementRequest(ActionCommand):
    """Form 02. At the counter, a checklist names the missing and defective papers and
    `missing_documents` is written from it; otherwise the list is given."""

    missing_documents: list[Text] = Field(default_factory=list, max_length=50)
    checklist: Checklist = Field(default_factory=list)
    # Working days the applicant has before the request expires; none means no limit.
    respond_within_days: int | None = Field(default=None, ge=1, le=60)


class SupplementSubmission(ActionCommand):
    """What the applicant brings: the papers uploaded since the request (by id, or all of
    them when none is named), and the names of any given on paper."""

    documents: list[Text] = Field(default_factory=list, max_length=50)
    document_ids: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=50
    )
    # Filled by the engine from the stored documents: references only, never bytes.
    attached: list[DocumentRef] = Field(default_factory=list)


class Assignment(ActionCommand):
    officer: str = Field(min_length=1, max_length=100)


class Reassignment(Assignment):
    reason: Text


class AppraisalResult(StrEnum):
    SUFFICIENT = "sufficient"
    INSUFFICIENT = "insufficient"


class Appraisal(ActionCommand):
    result: AppraisalResult
    findings: Text
    missing_documents: list[Text] = Field(default_factory=list, max_length=50)
    respond_within_days: int | None = Field(default=None, ge=1, le=60)

    @model_validator(mode="after")
    def _insufficient_names_what_is_missing(self) -> "Appraisal":
        if self.result is AppraisalResult.INSUFFICIENT and not self.missing_documents:
            raise PydanticCustomError(
                "missing_documents_required",
                "Hồ sơ chưa đủ điều kiện phải nêu rõ giấy tờ cần bổ sung (missing_documents).",
                {"en": "An insufficient appraisal must list the missing documents."},
            )
        return self


class ConsultationAsk(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: UnitCode
    question: Text
    respond_within_days: int = Field(default=5, ge=1, le=30)


class ConsultationRequest(ActionCommand):
    agencies: list[ConsultationAsk] = Field(min_length=1, max_length=10)


class ConsultationAnswer(ActionCommand):
    unit: UnitCode
    agrees: bool
    opinion: Text


class VerificationRequest(ActionCommand):
    agency: str = Field(min_length=2, max_length=200)
    reason: Text


class PaymentRequest(ActionCommand):
    amount_vnd: int = Field(gt=0, le=100_000_000_000)
    description: Text


class PaymentMethod(StrEnum):
    ONLINE = "online"
    COUNTER = "counter"
    BANK_TRANSFER = "bank_transfer"
    # Exempt by law (người có công, hộ nghèo…): the reference names the legal basis.
    EXEMPT = "exempt"


class PaymentRecord(ActionCommand):
    method: PaymentMethod
    reference: str = Field(min_length=1, max_length=100)


class Decision(StrEnum):
    GRANT = "grant"
    DENY = "deny"


class Approval(ActionCommand):
    decision: Decision
    decision_number: str = Field(min_length=1, max_length=100)


class ExtensionDraftCommand(ActionCommand):
    """The officer's draft of the apology letter (Form 04): why it is late, the new date."""

    reason: Text
    new_due_at: Instant


class ReturnMethod(StrEnum):
    IN_PERSON = "in_person"
    POST = "post"
    ELECTRONIC = "electronic"


class ResultReturn(ActionCommand):
    method: ReturnMethod
    recipient: str | None = Field(default=None, max_length=100)
