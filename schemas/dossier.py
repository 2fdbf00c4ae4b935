"""A dossier as it travels: the applicant, the workflow's input, its commands and its events."""

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

# Pause is part of a dossier's snapshot; re-exported for the modules that speak of dossiers.
from schemas.actions import Decision, PaymentMethod, ReturnMethod
from schemas.deadlines import Alarm as Alarm
from schemas.deadlines import Pause as Pause
from schemas.deadlines import PauseReason as PauseReason
from schemas.escalation import Rung

# The kinds of event in a dossier's log; re-exported with the dossier models.
from schemas.events import EventType as EventType
from schemas.lifecycle import Action
from schemas.messages import CitizenChannel, Language
from schemas.procedure import PROCEDURE_CODE_PATTERN, ProcedureDefinition
from schemas.results import SignedResult, SigningFailure
from schemas.status import Channel, DossierStatus, SubState
from schemas.unit import UNIT_CODE_PATTERN
from schemas.words import Worded, name_all

# The first three digits of a 12-digit citizen ID (CCCD) are the province of birth
# registration (Circular 59/2021/TT-BCA, annex); codes were kept after the 2025 mergers.
_ID_PROVINCE_PREFIXES = frozenset(
    [
        "001",
        "002",
        "004",
        "006",
        "008",
        "010",
        "011",
        "012",
        "014",
        "015",
        "017",
        "019",
        "020",
        "022",
        "024",
        "025",
        "026",
        "027",
        "030",
        "031",
        "033",
        "034",
        "035",
        "036",
        "037",
        "038",
        "040",
        "042",
        "044",
        "045",
        "046",
        "048",
        "049",
        "051",
        "052",
        "054",
        "056",
        "058",
        "060",
        "062",
        "064",
        "066",
        "067",
        "068",
        "070",
        "072",
        "074",
        "075",
        "077",
        "079",
        "080",
        "082",
        "083",
        "084",
        "086",
        "087",
        "089",
        "091",
        "092",
        "093",
        "094",
        "095",
        "096",
    ]
)
_PHONE = re.compile(r"^(?:\+84|84|0)((?:3|5|7|8|9)\d{8}|2\d{9})$")
_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _error(kind: str, message_vi: str, message_en: str) -> PydanticCustomError:
    # Vietnamese is the message people read; English travels in the context for the API.
    return PydanticCustomError(kind, message_vi, {"en": message_en})


def _check_id_number(value: str) -> str:
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) != 12:
        raise _error(
            "id_number_format",
            "Số định danh cá nhân phải gồm đúng 12 chữ số.",
            "The personal ID number must be exactly 12 digits.",
        )
    if value[:3] not in _ID_PROVINCE_PREFIXES:
        raise _error(
            "id_number_province",
            f"Số định danh cá nhân có mã tỉnh «{value[:3]}» không hợp lệ.",
            f"The personal ID number starts with an unknown province code '{value[:3]}'.",
        )
    return value


def _normalise_phone(value: str) -> str:
    compact = re.sub(r"[\s.\-()]", "", value)
    match = _PHONE.match(compact)
    if match is None:
        raise _error(
            "phone_format",
            "Số điện thoại không hợp lệ (ví dụ: 0912345678).",
            "Invalid phone number (for example 0912345678).",
        )
    return "0" + match.group(1)


def _normalise_name(value: str) -> str:
    value = " ".join(value.split())
    if not 2 <= len(value) <= 100 or _NAME.match(value) is None:
        raise _error(
            "full_name_format",
            "Họ và tên chỉ gồm chữ cái, từ 2 đến 100 ký tự.",
            "The full name must be letters only, 2 to 100 characters.",
        )
    return value


def _check_email(value: str) -> str:
    value = value.strip()
    if _EMAIL.match(value) is None:
        raise _error("email_format", "Địa chỉ thư điện tử không hợp lệ.", "Invalid email address.")
    return value


IdNumber = Annotated[str, AfterValidator(_check_id_number)]
Phone = Annotated[str, AfterValidator(_normalise_phone)]
FullName = Annotated[str, AfterValidator(_normalise_name)]
Email = Annotated[str, AfterValidator(_check_email)]
UnitCode = Annotated[str, Field(pattern=UNIT_CODE_PATTERN)]
ProcedureCode = Annotated[str, Field(pattern=PROCEDURE_CODE_PATTERN)]


def _check_tax_code(value: str) -> str:
    value = value.strip()
    # An enterprise's 10 digits, a branch's 10-3 (Circular 86/2024/TT-BTC); since July 2025
    # an individual's or a household business's code is their 12-digit personal ID number.
    if re.fullmatch(r"\d{10}(-\d{3})?|\d{12}", value) is None:
        raise _error(
            "tax_code_format",
            "Mã số thuế gồm 10 chữ số, 10 chữ số kèm «-» và 3 chữ số (đơn vị phụ thuộc), "
            "hoặc 12 chữ số (số định danh cá nhân).",
            "A tax code is 10 digits, 10 digits then '-' and 3 digits (a branch), or 12 digits "
            "(a personal ID number).",
        )
    return value


def _normalise_organisation(value: str) -> str:
    value = " ".join(value.split())
    if not 2 <= len(value) <= 200:
        raise _error(
            "organisation_name_format",
            "Tên tổ chức, hộ kinh doanh từ 2 đến 200 ký tự.",
            "The organisation's or business's name is 2 to 200 characters.",
        )
    return value


TaxCode = Annotated[str, AfterValidator(_check_tax_code)]
OrganisationName = Annotated[str, AfterValidator(_normalise_organisation)]


class ApplicantKind(Worded):
    """Who the dossier is for (Decree 118/2025: tổ chức, cá nhân)."""

    INDIVIDUAL = "individual"
    HOUSEHOLD_BUSINESS = "household_business"
    ORGANISATION = "organisation"


name_all(
    ApplicantKind,
    {
        ApplicantKind.INDIVIDUAL: ("Cá nhân", "Individual"),
        ApplicantKind.HOUSEHOLD_BUSINESS: ("Hộ kinh doanh", "Household business"),
        ApplicantKind.ORGANISATION: ("Tổ chức, doanh nghiệp", "Organisation"),
    },
)


class Representative(BaseModel):
    """A person acting for the applicant under a letter of authorisation, which joins the
    dossier's papers (slot -2)."""

    model_config = ConfigDict(extra="forbid")

    full_name: FullName
    id_number: IdNumber
    phone: Phone | None = None
    authorisation: str = Field(
        min_length=2,
        max_length=200,
        description="Văn bản ủy quyền: số, ngày (ví dụ «Giấy ủy quyền số 12/UQ ngày 01/12/2026»)",
    )


class Applicant(BaseModel):
    """Who the dossier is for. For a household business or an organisation, `full_name` and
    `id_number` are its owner's or legal representative's, and it is named and taxed by
    `organisation_name` and `tax_code`."""

    model_config = ConfigDict(extra="forbid")

    kind: ApplicantKind = ApplicantKind.INDIVIDUAL
    full_name: FullName
    id_number: IdNumber
    phone: Phone
    email: Email | None = None
    address: str | None = Field(default=None, max_length=300)
    organisation_name: OrganisationName | None = None
    tax_code: TaxCode | None = None
    representative: Representative | None = None
    # How the applicant wants to hear of the dossier, and in which language.
    notify_by: list[CitizenChannel] = Field(default_factory=lambda: [CitizenChannel.SMS])
    language: Language = Language.VI

    @model_validator(mode="after")
    def _email_to_write_to(self) -> "Applicant":
        if CitizenChannel.EMAIL in self.notify_by and self.email is None:
            raise _error(
                "email_required",
                "Chọn nhận thông báo qua thư điện tử thì phải ghi địa chỉ thư (email).",
                "To be told by email, give an email address.",
            )
        return self

    @model_validator(mode="after")
    def _kind_fits(self) -> "Applicant":
        if self.kind is ApplicantKind.INDIVIDUAL:
            if self.organisation_name is not None or self.tax_code is not None:
                raise _error(
                    "individual_with_organisation",
                    "Người nộp là cá nhân thì không ghi tên tổ chức hay mã số thuế; chọn loại "
                    "«hộ kinh doanh» hoặc «tổ chức».",
                    "An individual has no organisation name or tax code; choose household "
                    "business or organisation.",
                )
            return self
        if self.organisation_name is None:
            raise _error(
                "organisation_name_required",
                f"{self.kind.name_vi} phải ghi tên (organisation_name).",
                f"A {self.kind.name_en.lower()} must give its name (organisation_name).",
            )
        if self.kind is ApplicantKind.ORGANISATION and self.tax_code is None:
            raise _error(
                "tax_code_required",
                "Tổ chức, doanh nghiệp phải ghi mã số thuế (tax_code).",
                "An organisation must give its tax code (tax_code).",
            )
        return self

    @property
    def display_name(self) -> str:
        return self.organisation_name or self.full_name


class DossierSubmission(BaseModel):
    """What the counter (or the citizen online) submits."""

    model_config = ConfigDict(extra="forbid")

    procedure_code: ProcedureCode
    receiving_unit: UnitCode
    # The commune or ward the dossier concerns (where the land is, for example), when its
    # procedure has steps at commune level and it is received elsewhere.
    locality: UnitCode | None = None
    # Only for commune-level procedures received outside the applicant's commune.
    competent_authority: UnitCode | None = None
    channel: Channel
    applicant: Applicant
    received_by: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=2000)


class DossierFacts(BaseModel):
    """What the dossier's row in the read model is keyed and filtered by; never changes."""

    code: str
    procedure_code: str
    procedure_version: int
    receiving_unit: str
    competent_authority: str
    returning_unit: str
    channel: Channel
    applicant: Applicant
    submitted_at: datetime


class DossierStart(DossierFacts):
    """The dossier workflow's input: everything resolved, nothing left to look up."""

    locality: str | None = None
    submitted_by: str
    note: str | None = None
    # The procedure version the dossier is pinned to, carried whole so a later catalogue
    # change never alters a running dossier; likewise its escalation ladder.
    procedure: ProcedureDefinition
    ladder: list[Rung] = Field(default_factory=list)
    # Demo mode only (`motcua seed`): the dossier's clock starts at this past instant and
    # the seeder moves it forward, so demo dashboards show late and early dossiers. The
    # API never sets it outside development with MOTCUA_DEMO_CLOCK on.
    demo_at: datetime | None = None


class Handover(BaseModel):
    """A line of the process-control sheet (Form 06): the dossier changed hands."""

    from_unit: str
    to_unit: str


class DossierEvent(BaseModel):
    """One line of the append-only audit log: who did what, when, from which state to which."""

    dossier_code: str
    seq: int = Field(ge=1)
    type: EventType
    at: datetime
    actor: str
    actor_unit: str
    from_status: DossierStatus | None
    to_status: DossierStatus
    sub_state: SubState
    reason: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    handover: Handover | None = None


class Consultation(BaseModel):
    unit: str
    question: str
    requested_at: datetime
    due_at: datetime
    answered_at: datetime | None = None
    agrees: bool | None = None
    opinion: str | None = None
    expired: bool = False

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and not self.expired


class ExtensionDraft(BaseModel):
    """An apology letter drafted by the officer, waiting for the leader's approval."""

    reason: str
    new_due_at: datetime
    drafted_by: str
    drafted_at: datetime


class FormKind(StrEnum):
    """The official forms of Circular 01/2018/TT-VPCP as kept by Decree 118/2025."""

    RECEIPT = "01"
    SUPPLEMENT_REQUEST = "02"
    REFUSAL = "03"
    APOLOGY = "04"
    STOP_NOTICE = "05"


class FormRef(BaseModel):
    form: FormKind
    seq: int
    created_at: datetime


class SupplementOrigin(StrEnum):
    """Who asked for the supplement: the counter at intake, or the officer appraising."""

    INTAKE = "intake"
    APPRAISAL = "appraisal"


class DossierSnapshot(BaseModel):
    """The lifecycle fields the workflow owns and the projection mirrors."""

    status: DossierStatus
    sub_state: SubState
    last_seq: int = 0
    holder_unit: str
    accepted_at: datetime | None = None
    # Statistics judge against the date on Form 01; an extension moves only the current one.
    original_due_at: datetime | None = None
    # The original date plus paused time: what the 766 statistics judge by.
    legal_due_at: datetime | None = None
    due_at: datetime | None = None
    due_explanation_vi: str | None = None
    due_explanation_en: str | None = None
    paused_working_hours: float = 0
    extended_due_at: datetime | None = None
    extended_at: datetime | None = None
    extension_draft: ExtensionDraft | None = None
    extra_working_days: float = 0
    apology_required: bool = False
    # The current step's own clock (intake, processing at the authority, return).
    step: str = "intake"
    step_budget_days: float | None = None
    step_started_at: datetime | None = None
    step_due_at: datetime | None = None
    # Index of the current step in the procedure's internal process.
    step_index: int = 0
    alarms: list[Alarm] = Field(default_factory=list)
    fired_rungs: list[str] = Field(default_factory=list)
    assignee: str | None = None
    supplement_requests: int = 0
    supplement_origin: SupplementOrigin | None = None
    supplement_due_at: datetime | None = None
    # Decision 766: more than one supplement request counts the dossier as late.
    late_by_rule: bool = False
    decision: Decision | None = None
    decision_number: str | None = None
    decided_at: datetime | None = None
    payment_amount_vnd: int | None = None
    paid_at: datetime | None = None
    payment_method: PaymentMethod | None = None
    consultations: list[Consultation] = Field(default_factory=list)
    pauses: list[Pause] = Field(default_factory=list)
    result_method: ReturnMethod | None = None
    # The signed result, once the token has signed it; until then, while a signature is
    # being made, and why the last attempt failed (the leader's to put right).
    result: SignedResult | None = None
    signing: bool = False
    signing_failure: SigningFailure | None = None
    closed_at: datetime | None = None
    # Decision 766: processing ends at the first of result ready, returned, refused, stopped.
    finished_at: datetime | None = None
    withdrawn: bool = False
    # Paper dossiers scanned and signed at receipt; online ones are born digital (766: 4.2).
    digitised: bool = False
    # Seeded with a back-dated clock: shown as demo data everywhere.
    demo: bool = False

    @property
    def is_paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1].ended_at is None


class ActionAnswer(BaseModel):
    """What an action's Update answers: what the API reads (the state it left and what is
    allowed next), not the whole snapshot, which would be written into history with every
    action. The whole dossier is the `view` query's."""

    code: str
    status: DossierStatus
    sub_state: SubState
    last_seq: int
    allowed_actions: list[Action]


class DossierView(BaseModel):
    """The workflow's live answer to a query (and, in histories recorded before actions
    answered with `ActionAnswer`, to an update)."""

    code: str
    snapshot: DossierSnapshot
    allowed_actions: list[Action]

    @property
    def status(self) -> DossierStatus:
        return self.snapshot.status
