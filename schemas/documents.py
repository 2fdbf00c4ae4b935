"""A dossier's documents: which required paper each answers, in what form, which version,
who gave it through which channel; and who has read it since."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from schemas.status import Channel

# The slot of a document that answers none of the procedure's required documents.
OTHER_SLOT = -1


class DocumentForm(StrEnum):
    """The form in which a paper was given (Decree 45/2020: original, certified copy, copy;
    or born electronic)."""

    ORIGINAL_SEEN = "original_seen"
    CERTIFIED_COPY = "certified_copy"
    COPY = "copy"
    ELECTRONIC = "electronic"

    @property
    def name_vi(self) -> str:
        return _FORM_NAMES[self][0]

    @property
    def name_en(self) -> str:
        return _FORM_NAMES[self][1]


_FORM_NAMES = {
    DocumentForm.ORIGINAL_SEEN: ("Bản chính (đã đối chiếu)", "Original, seen"),
    DocumentForm.CERTIFIED_COPY: ("Bản sao chứng thực", "Certified copy"),
    DocumentForm.COPY: ("Bản sao", "Copy"),
    DocumentForm.ELECTRONIC: ("Bản điện tử", "Electronic"),
}


class Attachment(BaseModel):
    """Which paper the files given together answer, and in what form."""

    slot: int = Field(default=OTHER_SLOT, ge=OTHER_SLOT, le=99)
    form: DocumentForm = DocumentForm.COPY


class AccessKind(StrEnum):
    VIEW = "view"
    DOWNLOAD = "download"


class DocumentRef(BaseModel):
    """What a workflow may hold of a document: never its bytes."""

    id: str
    sha256: str
    size: int
    media_type: str
    filename: str


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
    url: str


class DocumentAccess(BaseModel):
    document_id: str
    actor: str
    role: str
    kind: AccessKind
    at: datetime


class UploadAnswer(BaseModel):
    documents: list[DocumentView]
