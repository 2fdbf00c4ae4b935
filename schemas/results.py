"""A dossier's result as issued: what kind of paper it is (from the catalogue), the request
that has it rendered and signed, and what comes back — a stored, signed file, or the
reason the token would not sign."""

from datetime import datetime

from pydantic import BaseModel, Field

from schemas.words import Worded, name_all

# The slot of a dossier's issued result among its documents: neither a paper the applicant
# owes nor one given, so no upload may name it.
RESULT_SLOT = -3
# The error type of a signature the token refused, from the signing activity to the API.
SIGNING_REFUSED = "SigningRefused"


class ResultKind(Worded):
    DECISION = "decision"
    CERTIFICATE = "certificate"
    EXTRACT = "extract"
    LICENCE = "licence"
    REFUSAL = "refusal"


name_all(
    ResultKind,
    {
        ResultKind.DECISION: ("Quyết định", "Decision"),
        ResultKind.CERTIFICATE: ("Giấy chứng nhận", "Certificate"),
        ResultKind.EXTRACT: ("Trích lục, bản sao", "Extract"),
        ResultKind.LICENCE: ("Giấy phép", "Licence"),
        ResultKind.REFUSAL: ("Văn bản từ chối giải quyết", "Letter of refusal"),
    },
)


class ResultSpec(BaseModel):
    """The paper a procedure issues when it grants: its kind, its title as printed, what it
    grants in one sentence (the applicant's particulars follow), how long it holds."""

    kind: ResultKind = ResultKind.DECISION
    title_vi: str = Field(min_length=3)
    title_en: str = Field(min_length=3)
    # "Cấp … cho"; the template adds the applicant's name.
    grants_vi: str = Field(min_length=3)
    # None: valid without end (a birth extract); else months from issue (a criminal
    # record certificate for a visa, a construction permit before works start).
    valid_months: int | None = Field(default=None, ge=1, le=1200)
    # The number's suffix after the register number: "/QĐ-UBND", "/TLKS"…
    number_suffix: str = Field(default="", max_length=30)


class SignedResult(BaseModel):
    """The issued result: in the document store as the dossier's document, and in the
    results registry under its number."""

    document_id: str
    number: str
    kind: ResultKind
    sha256: str
    signed_at: datetime
    signer: str
    valid_until: datetime | None = None


class SigningFailure(BaseModel):
    """Why the last attempt to sign did not, as the leader reads it."""

    reason: str
    message_vi: str
    message_en: str
    at: datetime


class SignatureCheck(BaseModel):
    """One signature of a PDF, in the words a bank clerk needs."""

    signer: str
    signed_at: datetime | None
    intact: bool
    trusted: bool
    valid_at_signing: bool
    covers_whole_document: bool
    good: bool


class RegistryEntry(BaseModel):
    """A result as the registry holds it."""

    number: str
    kind: ResultKind
    kind_name_vi: str
    title: str
    decision: str
    dossier_code: str
    procedure_code: str
    issuing_unit: str
    issuing_unit_name: str
    holder_name: str
    holder_id_number: str
    issued_at: datetime
    valid_until: datetime | None
    signer: str
    sha256: str
    document_url: str


class Verification(BaseModel):
    """What the public verification says of a file (or of a code and a hash)."""

    # genuine: signed, unchanged, trusted, and the registry's; changed: it was altered
    # after signing; unknown: not a result this province issued (or no signature at all).
    verdict: str
    message_vi: str
    message_en: str
    sha256: str
    signatures: list[SignatureCheck] = Field(default_factory=list)
    issued: RegistryEntry | None = None


class RegistryPage(BaseModel):
    query: str
    total: int
    items: list[RegistryEntry]
