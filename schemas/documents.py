"""A dossier's documents: which required paper each answers, in what form, which version,
who gave it through which channel; and who has read it since."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from schemas.status import Channel
from schemas.words import Worded, name_all

# The slot of a document that answers none of the procedure's required documents.
OTHER_SLOT = -1
# The slot of the letter of authorisation of a person acting for the applicant: a paper
# every procedure asks for then, whatever its own list (Civil Code art. 138).
AUTHORISATION_SLOT = -2


class DocumentForm(Worded):
    """The form in which a paper was given (Decree 45/2020: original, certified copy, copy;
    or born electronic)."""

    ORIGINAL_SEEN = "original_seen"
    CERTIFIED_COPY = "certified_copy"
    COPY = "copy"
    ELECTRONIC = "electronic"


name_all(
    DocumentForm,
    {
        DocumentForm.ORIGINAL_SEEN: ("Bản chính (đã đối chiếu)", "Original, seen"),
        DocumentForm.CERTIFIED_COPY: ("Bản sao chứng thực", "Certified copy"),
        DocumentForm.COPY: ("Bản sao", "Copy"),
        DocumentForm.ELECTRONIC: ("Bản điện tử", "Electronic"),
    },
)


class Attachment(BaseModel):
    """Which paper the files given together answer, and in what form."""

    slot: int = Field(default=OTHER_SLOT, ge=AUTHORISATION_SLOT, le=99)
    form: DocumentForm = DocumentForm.COPY


class Placement(BaseModel):
    """Which paper of the procedure a stored file answers."""

    model_config = ConfigDict(extra="forbid")

    slot: int = Field(ge=AUTHORISATION_SLOT, le=99)


class AccessKind(StrEnum):
    VIEW = "view"
    DOWNLOAD = "download"


class DocumentRef(BaseModel):
    """What a workflow may hold of a document: never its bytes."""

    id: str
    slot: int
    version: int
    sha256: str
    size: int
    media_type: str
    filename: str


class Receipt(Worded):
    """What the counter found for one required paper."""

    RECEIVED = "received"
    MISSING = "missing"
    DEFECTIVE = "defective"


name_all(
    Receipt,
    {
        Receipt.RECEIVED: ("Đã nhận", "Received"),
        Receipt.MISSING: ("Còn thiếu", "Missing"),
        Receipt.DEFECTIVE: ("Chưa hợp lệ", "Defective"),
    },
)


class ChecklistMark(BaseModel):
    """The clerk's mark against one paper of the procedure's list."""

    model_config = ConfigDict(extra="forbid")

    slot: int = Field(ge=AUTHORISATION_SLOT, le=99, description="-2: letter of authorisation")
    state: Receipt
    form: DocumentForm | None = Field(default=None, description="Required when received")
    note: str | None = Field(
        default=None, max_length=500, description="What is wrong; required when defective"
    )

    @model_validator(mode="after")
    def _complete(self) -> "ChecklistMark":
        if self.state is Receipt.RECEIVED and self.form is None:
            raise PydanticCustomError(
                "form_required",
                "Giấy tờ đã nhận phải ghi hình thức (bản chính, bản sao chứng thực, bản sao, "
                "bản điện tử).",
                {"en": "A received paper must say its form."},
            )
        if self.state is Receipt.DEFECTIVE and not (self.note or "").strip():
            raise PydanticCustomError(
                "note_required",
                "Giấy tờ chưa hợp lệ phải ghi rõ sai sót để nêu trong Mẫu 02.",
                {"en": "A defective paper must say what is wrong, for Form 02."},
            )
        if self.slot == OTHER_SLOT:
            raise PydanticCustomError(
                "slot_other",
                "Danh mục kiểm tra chỉ gồm giấy tờ thủ tục yêu cầu; giấy tờ khác không đánh dấu.",
                {"en": "The checklist marks the procedure's papers, not other documents."},
            )
        return self


class ChecklistLine(BaseModel):
    """One paper of the checklist as judged: the procedure's wording, the mark, the scans."""

    slot: int
    name_vi: str
    name_en: str
    mandatory: bool
    copies: int = 1
    original_for_comparison: bool = False
    state: Receipt
    form: DocumentForm | None = None
    note: str | None = None
    marked: bool = Field(description="Marked by the clerk, not inferred from stored files")
    files: int = Field(description="Files stored for this paper, latest version")

    @property
    def wanting(self) -> bool:
        return self.state is not Receipt.RECEIVED

    def wording_vi(self) -> str:
        """How Form 02 names it: the paper and, when defective, what is wrong."""
        if self.state is Receipt.DEFECTIVE and self.note:
            return f"{self.name_vi} (chưa hợp lệ: {self.note})"
        return self.name_vi


class ChecklistView(BaseModel):
    code: str
    lines: list[ChecklistLine]
    missing_mandatory: list[str] = Field(description="Mandatory papers not received")
    digitised: bool = Field(description="Every received paper has a stored scan or file")
    checked_by: str | None = None
    checked_at: datetime | None = None


class DocumentView(BaseModel):
    id: str
    dossier_code: str
    slot: int = Field(description="Index of the procedure's required document; -1: other")
    slot_name_vi: str
    slot_name_en: str
    version: int
    part: int
    form: DocumentForm
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploader_role: str
    channel: Channel
    uploaded_at: datetime
    superseded: bool = Field(description="A later version of the same slot exists")
    placed_from: str | None = Field(
        default=None, description="The document this one was placed from (same content)"
    )
    url: str


class DocumentAccess(BaseModel):
    document_id: str
    actor: str
    role: str
    kind: AccessKind
    at: datetime


class UploadAnswer(BaseModel):
    documents: list[DocumentView]
