"""The tables. Generate migrations from these against PostgreSQL (see README)."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from db.types import ChannelCode, JSONVariant, StatusCode, UTCDateTime
from schemas.status import Channel, DossierStatus


def _serial_id() -> Any:
    # SQLite only auto-numbers an INTEGER PRIMARY KEY, so BIGINT is PostgreSQL's alone.
    column = Column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    return Field(default=None, sa_column=column)


class OrgUnitRow(SQLModel, table=True):
    __tablename__ = "org_unit"

    code: str = Field(primary_key=True, max_length=64)
    e_id: str = Field(unique=True, max_length=32)
    name_vi: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    level: str = Field(max_length=16, index=True)
    parent_code: str | None = Field(default=None, foreign_key="org_unit.code", max_length=64)
    receives_dossiers: bool = False
    active: bool = True


class UserRow(SQLModel, table=True):
    """Staff accounts: a role and the unit whose dossiers they see and act on."""

    __tablename__ = "app_user"

    username: str = Field(primary_key=True, max_length=100)
    full_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=300)
    role: str = Field(max_length=16)
    unit_code: str = Field(foreign_key="org_unit.code", max_length=64, index=True)
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)
    # Tokens issued before this instant are void: set when the password changes or the
    # account is disabled, so a stolen session ends with them.
    tokens_valid_after: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RevokedSessionRow(SQLModel, table=True):
    """Sessions ended by signing out, until their token would have expired anyway."""

    __tablename__ = "revoked_session"

    session_id: str = Field(primary_key=True, max_length=64)
    username: str = Field(max_length=100)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class RateCounterRow(SQLModel, table=True):
    """Attempts per key (a client address, an account) in the current window, shared by
    every API replica: the tracking look-ups and the sign-in failures are counted here."""

    __tablename__ = "rate_counter"

    key: str = Field(primary_key=True, max_length=200)
    window_start: datetime = Field(sa_type=UTCDateTime)
    count: int = 0


class ProcedureVersionRow(SQLModel, table=True):
    """Every version of every procedure ever loaded; dossiers stay pinned to theirs."""

    __tablename__ = "procedure_version"

    code: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    name_vi: str = Field(max_length=300)
    name_en: str = Field(max_length=300)
    level: str = Field(max_length=16)
    is_current: bool = Field(default=True, index=True)
    definition: dict[str, Any] = Field(sa_column=Column(JSONVariant, nullable=False))
    loaded_at: datetime = Field(sa_type=UTCDateTime)


class DossierRow(SQLModel, table=True):
    """The projection of one dossier for lists, search, tracking and dashboards."""

    __tablename__ = "dossier"
    __table_args__ = (
        Index("ix_dossier_receiving_status", "receiving_unit", "status"),
        Index("ix_dossier_authority_status", "competent_authority", "status"),
        # Work queues list a unit's open dossiers by due date; closed ones are most rows.
        Index(
            "ix_dossier_open_holder_due",
            "holder_unit",
            "due_at",
            postgresql_where=text("closed_at IS NULL"),
            sqlite_where=text("closed_at IS NULL"),
        ),
        Index(
            "ix_dossier_applicant_search",
            "applicant_search",
            postgresql_using="gin",
            postgresql_ops={"applicant_search": "gin_trgm_ops"},
        ),
        Index("ix_dossier_applicant_phone", "applicant_phone"),
        # Overdue and at-risk lists across the province, and the statistics' open dossiers.
        Index(
            "ix_dossier_unfinished_due",
            "due_at",
            postgresql_where=text("finished_at IS NULL"),
            sqlite_where=text("finished_at IS NULL"),
        ),
    )

    code: str = Field(primary_key=True, max_length=64)
    procedure_code: str = Field(max_length=64)
    procedure_version: int
    receiving_unit: str = Field(foreign_key="org_unit.code", max_length=64)
    competent_authority: str = Field(foreign_key="org_unit.code", max_length=64)
    returning_unit: str = Field(foreign_key="org_unit.code", max_length=64)
    channel: Channel = Field(sa_type=ChannelCode)
    status: DossierStatus = Field(sa_type=StatusCode)
    sub_state: str = Field(max_length=40)
    applicant_name: str = Field(max_length=100)
    applicant_id_number: str = Field(max_length=12, index=True)
    applicant_phone: str = Field(max_length=16)
    applicant_tax_code: str | None = Field(default=None, max_length=16, index=True)
    # The applicant's, organisation's and representative's names without their marks, for
    # the counter's search (schemas.dossier.fold); a trigram index answers "contains".
    applicant_search: str = Field(default="", max_length=400)
    applicant: dict[str, Any] = Field(sa_column=Column(JSONVariant, nullable=False))
    submitted_at: datetime = Field(sa_type=UTCDateTime, index=True)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Form 01's date, which statistics judge against, and the current one after extensions.
    original_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    legal_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    holder_unit: str = Field(max_length=64)
    assignee: str | None = Field(default=None, max_length=100)
    # The highest rung fired so far (at-risk lists), and what statistics count.
    last_rung: str | None = Field(default=None, max_length=40)
    result_method: str | None = Field(default=None, max_length=16)
    # The signed result's document, once signed: what an electronic return delivers and
    # what indicator 4.1 asks for.
    result_document_id: str | None = Field(default=None, max_length=36)
    payment_method: str | None = Field(default=None, max_length=16)
    payment_amount_vnd: int | None = None
    withdrawn: bool = False
    supplement_requests: int = 0
    late_by_rule: bool = False
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Judged once, when processing ends (worktime.indicators.judge), so that statistics
    # over a million dossiers are sums in SQL: early, on_time, late, refused, withdrawn.
    outcome: str | None = Field(default=None, max_length=16)
    processing_days: float | None = None
    digitised: bool = False
    demo: bool = False
    updated_at: datetime = Field(sa_type=UTCDateTime)
    last_seq: int = 0
    # The workflow's whole snapshot at last_seq, for the detail page.
    snapshot: dict[str, Any] = Field(sa_column=Column(JSONVariant, nullable=False))


class DossierEventRow(SQLModel, table=True):
    """The audit trail. Rows are only ever inserted; PostgreSQL refuses UPDATE and DELETE."""

    __tablename__ = "dossier_event"
    __table_args__ = (
        UniqueConstraint("dossier_code", "seq", name="uq_dossier_event_seq"),
        # The log's commit-safe order (db/log_position.py).
        Index("ix_dossier_event_xid_id", text("(coalesce(xid, 0))"), "id"),
    )

    id: int | None = _serial_id()
    dossier_code: str = Field(foreign_key="dossier.code", max_length=64)
    seq: int
    type: str = Field(max_length=40)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=100)
    actor_unit: str = Field(max_length=64)
    from_status: DossierStatus | None = Field(default=None, sa_type=StatusCode)
    to_status: DossierStatus = Field(sa_type=StatusCode)
    sub_state: str = Field(max_length=40)
    reason: str | None = Field(default=None, max_length=2000)
    data: dict[str, Any] = Field(sa_column=Column(JSONVariant, nullable=False))
    # The writing transaction's id (PostgreSQL), set by the database: ids are taken at
    # INSERT but seen at COMMIT, so a reader of the log follows (xid, id) up to the oldest
    # transaction still running (see db/log_position.py). Empty on SQLite, whose writes
    # are serial.
    xid: int | None = Field(
        default=None,
        sa_column=Column(BigInteger, server_default=FetchedValue(), nullable=True),
    )


class DossierFeedbackRow(SQLModel, table=True):
    """The applicant's rating of the service and, if any, their complaint (766: 5.4)."""

    __tablename__ = "dossier_feedback"

    dossier_code: str = Field(primary_key=True, foreign_key="dossier.code", max_length=64)
    rating: int
    complaint: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(sa_type=UTCDateTime)
    # The official criteria, 1–5 each: publicity, the staff's attitude, the time taken, the
    # result; a comment; the counter clerk and the unit the rating is theirs; given online
    # or at the counter's kiosk. Ratings from before the criteria have none.
    publicity: int | None = None
    attitude: int | None = None
    timeliness: int | None = None
    outcome: int | None = None
    comment: str | None = Field(default=None, max_length=2000)
    clerk: str | None = Field(default=None, max_length=100)
    unit: str | None = Field(default=None, max_length=64, index=True)
    via: str = Field(default="online", max_length=8)


class DossierDailyRow(SQLModel, table=True):
    """Per local day, unit and procedure: what happened that day (db.statistics).

    Kept by the projection as each dossier moves (its old contribution taken away, its new
    one added), so a report over any run of days is a sum over days, not over dossiers.
    Stocks (open, open with a deadline, overdue) are kept as entries and exits per day.
    """

    __tablename__ = "dossier_daily"

    day: date = Field(primary_key=True)
    competent_authority: str = Field(primary_key=True, max_length=64)
    receiving_unit: str = Field(primary_key=True, max_length=64)
    procedure_code: str = Field(primary_key=True, max_length=64)
    opened: int = 0
    closed: int = 0
    tracked_opened: int = 0
    tracked_closed: int = 0
    overdue_opened: int = 0
    overdue_closed: int = 0
    received_1: int = 0
    received_2: int = 0
    received_3: int = 0
    accepted: int = 0
    digitised: int = 0
    finished_early: int = 0
    finished_on_time: int = 0
    finished_late: int = 0
    refused: int = 0
    withdrawn: int = 0
    processed: int = 0
    processing_days_sum: float = 0.0
    paid: int = 0
    paid_online: int = 0
    returned: int = 0
    returned_electronically: int = 0
    complaints: int = 0


class DossierHandoverRow(SQLModel, table=True):
    """The process-control sheet (Form 06): every time the dossier changed hands."""

    __tablename__ = "dossier_handover"
    __table_args__ = (UniqueConstraint("dossier_code", "seq", name="uq_dossier_handover_seq"),)

    id: int | None = _serial_id()
    dossier_code: str = Field(foreign_key="dossier.code", max_length=64, index=True)
    seq: int
    from_unit: str = Field(max_length=64)
    to_unit: str = Field(max_length=64)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=100)
    event_type: str = Field(max_length=40)


class DossierFormRow(SQLModel, table=True):
    """An official form (01–05) issued for a dossier.

    Its words are fixed when it is issued (`html`); the PDF is typeset from them on the
    first download and kept (`content`), so issuing costs the workflow no typesetting.
    """

    __tablename__ = "dossier_form"
    __table_args__ = (UniqueConstraint("dossier_code", "seq", "form", name="uq_dossier_form"),)

    id: int | None = _serial_id()
    dossier_code: str = Field(foreign_key="dossier.code", max_length=64, index=True)
    seq: int
    form: str = Field(max_length=2)
    filename: str = Field(max_length=200)
    html: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(sa_type=UTCDateTime)


class CalendarOverrideRow(SQLModel, table=True):
    """A day the administrator declared off (a late holiday) or working (a make-up day)."""

    __tablename__ = "calendar_override"

    day: date = Field(primary_key=True)
    kind: str = Field(max_length=16)
    reason: str = Field(max_length=300)
    # The decision behind it (a government notice moving a holiday), told to citizens.
    legal_reference: str | None = Field(default=None, max_length=200)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(sa_type=UTCDateTime)


class NotificationRow(SQLModel, table=True):
    """The outbox: every notification a rung sends, and whether its sender delivered it.

    Rows are written in the transaction that logs the event, so an event is never logged
    without its notifications nor notified without being logged; a dispatcher sends them.
    """

    __tablename__ = "notification"
    __table_args__ = (
        # One message of a kind per event, channel and recipient: a retried event (or a
        # worker restarted mid-way) queues nothing twice.
        UniqueConstraint(
            "dossier_code", "seq", "kind", "channel", "recipient", name="uq_notification_message"
        ),
    )

    id: int | None = _serial_id()
    dossier_code: str = Field(max_length=64, index=True)
    seq: int
    kind: str = Field(max_length=40)
    recipient: str = Field(max_length=200)
    channel: str = Field(max_length=16)
    message_vi: str = Field(max_length=2000)
    message_en: str = Field(max_length=2000)
    # The language the recipient reads (a citizen chooses; staff read Vietnamese).
    language: str = Field(default="vi", max_length=2)
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When a dispatcher may next take the row: now for a new one, later after a failure
    # (backoff) or while one dispatcher holds it (its lease); none once sent or abandoned.
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    last_error: str | None = Field(default=None, max_length=500)


class DossierCodeCounterRow(SQLModel, table=True):
    """The daily sequence of dossier codes per agency."""

    __tablename__ = "dossier_code_counter"

    agency_e_id: str = Field(primary_key=True, max_length=32)
    day: date = Field(primary_key=True)
    last_value: int


class IdempotencyKeyRow(SQLModel, table=True):
    """A submission's Idempotency-Key, so a retried request finds the dossier it created."""

    __tablename__ = "idempotency_key"

    key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    dossier_code: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)


class DossierDocumentRow(SQLModel, table=True):
    """One file of a dossier. A slot (the procedure's required document, or -1 for any
    other paper) gains versions; a version is the files given together (its parts). Rows
    are never updated: a supplement adds a version, it does not overwrite one."""

    __tablename__ = "dossier_document"
    __table_args__ = (
        UniqueConstraint(
            "dossier_code", "slot", "version", "part", name="uq_dossier_document_part"
        ),
    )

    id: str = Field(primary_key=True, max_length=36)
    dossier_code: str = Field(max_length=64, index=True)
    slot: int
    version: int
    part: int
    form: str = Field(max_length=20)
    filename: str = Field(max_length=255)
    media_type: str = Field(max_length=64)
    size: int = Field(sa_type=BigInteger)
    sha256: str = Field(max_length=64, index=True)
    key_id: str = Field(max_length=64)
    uploaded_by: str = Field(max_length=100)
    uploader_role: str = Field(max_length=16)
    channel: Channel = Field(sa_type=ChannelCode)
    uploaded_at: datetime = Field(sa_type=UTCDateTime)
    # Placed by the counter from another slot (an online paper given as "other"): the same
    # content, this row's uploader being the one who placed it.
    placed_from: str | None = Field(default=None, max_length=36)


class DocumentAccessRow(SQLModel, table=True):
    """Who read which version of a document, when: appended, never changed."""

    __tablename__ = "document_access"

    id: int | None = _serial_id()
    document_id: str = Field(max_length=36, index=True)
    dossier_code: str = Field(max_length=64, index=True)
    actor: str = Field(max_length=100)
    role: str = Field(max_length=16)
    kind: str = Field(max_length=16)
    at: datetime = Field(sa_type=UTCDateTime)


class IssuedResultRow(SQLModel, table=True):
    """The results registry (kho kết quả): every result issued, under its number, with the
    holder's ID and the signed file, so a later dossier reuses it instead of asking the
    citizen for a copy. Rows are never updated."""

    __tablename__ = "issued_result"

    id: str = Field(primary_key=True, max_length=36)
    # The signing attempt that issued it: a retried signing step finds its own result.
    attempt: str = Field(max_length=64, unique=True)
    number: str = Field(max_length=130, index=True)
    kind: str = Field(max_length=16)
    title: str = Field(max_length=300)
    decision: str = Field(max_length=8)
    dossier_code: str = Field(foreign_key="dossier.code", max_length=64, index=True)
    procedure_code: str = Field(max_length=64)
    issuing_unit: str = Field(foreign_key="org_unit.code", max_length=64, index=True)
    holder_name: str = Field(max_length=300)
    holder_id_number: str = Field(max_length=16, index=True)
    issued_at: datetime = Field(sa_type=UTCDateTime, index=True)
    valid_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    signer: str = Field(max_length=200)
    signed_by: str = Field(max_length=100)
    document_id: str = Field(max_length=36)
    sha256: str = Field(max_length=64, index=True)


class ComplaintRow(SQLModel, table=True):
    """A complaint or petition (phản ánh, kiến nghị) handled as a case."""

    __tablename__ = "complaint"

    code: str = Field(primary_key=True, max_length=32)
    dossier_code: str | None = Field(
        default=None, foreign_key="dossier.code", max_length=64, index=True
    )
    owner_unit: str = Field(foreign_key="org_unit.code", max_length=64, index=True)
    subject: str = Field(max_length=200)
    content: str = Field(sa_column=Column(Text, nullable=False))
    full_name: str = Field(max_length=100)
    phone: str = Field(max_length=16)
    email: str | None = Field(default=None, max_length=254)
    status: str = Field(default="open", max_length=16, index=True)
    received_at: datetime = Field(sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_by: str | None = Field(default=None, max_length=100)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published: bool = False


class PortalSyncRow(SQLModel, table=True):
    """The portal sync outbox: what the National Public Service Portal must be told of each
    dossier event, written in the event's transaction, sent in order per dossier, and the
    portal's acknowledgement (its id and time) once it took it. Never deleted."""

    __tablename__ = "portal_sync"
    __table_args__ = (
        UniqueConstraint("dossier_code", "seq", "service", name="uq_portal_sync_event"),
        # The sender's question: what is due, oldest first.
        Index("ix_portal_sync_due", "next_attempt_at", postgresql_where=text("acked_at IS NULL")),
    )

    id: int | None = _serial_id()
    dossier_code: str = Field(max_length=64, index=True)
    seq: int
    service: str = Field(max_length=40)
    status_code: int
    payload: dict[str, Any] = Field(sa_column=Column(JSONVariant, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    acked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    portal_id: str | None = Field(default=None, max_length=100)


class PortalAckRow(SQLModel, table=True):
    """The portal's acknowledgements, as evidence: one row per record it took, with its id
    and when. Append-only like the audit trail (PostgreSQL refuses UPDATE and DELETE), so a
    disputed score can be answered from what the portal itself said."""

    __tablename__ = "portal_ack"

    id: int | None = _serial_id()
    sync_id: int = Field(
        sa_column=Column(
            BigInteger().with_variant(Integer(), "sqlite"),
            ForeignKey("portal_sync.id"),
            unique=True,
            nullable=False,
        )
    )
    dossier_code: str = Field(max_length=64, index=True)
    seq: int
    service: str = Field(max_length=40)
    status_code: int
    portal_id: str = Field(max_length=100)
    acknowledged_at: datetime = Field(sa_type=UTCDateTime)


class PortalReconciliationRow(SQLModel, table=True):
    """The day's comparison of every dossier's status here with what the national portal
    acknowledged, made each morning and kept: what the province shows when a score
    computed from the portal's data is disputed, as it stood on the day."""

    __tablename__ = "portal_reconciliation"

    day: date = Field(primary_key=True)
    made_at: datetime = Field(sa_type=UTCDateTime)
    dossiers: int
    in_step: int
    mismatches: int
    # The mismatches as the supervisors' CSV (one row a dossier, its cause).
    csv: str = Field(sa_column=Column(Text, nullable=False))


class PortalDossierRow(SQLModel, table=True):
    """A dossier filed on the national portal and taken in here: the portal's code kept
    beside motcua's own."""

    __tablename__ = "portal_dossier"

    portal_code: str = Field(primary_key=True, max_length=64)
    dossier_code: str = Field(foreign_key="dossier.code", max_length=64, unique=True)
    imported_at: datetime = Field(sa_type=UTCDateTime)


class PaymentOrderRow(SQLModel, table=True):
    """A fee paid online: the order sent to the gateway, and what the gateway's signed
    notification said of it. The order is the dossier's payment request (its event)."""

    __tablename__ = "payment_order"

    order: str = Field(primary_key=True, max_length=64)
    dossier_code: str = Field(foreign_key="dossier.code", max_length=64, index=True)
    request_seq: int
    amount_vnd: int
    description: str = Field(max_length=255)
    status: str = Field(default="pending", max_length=16)
    created_at: datetime = Field(sa_type=UTCDateTime)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    gateway_transaction: str | None = Field(default=None, max_length=64)
    bank: str | None = Field(default=None, max_length=32)
