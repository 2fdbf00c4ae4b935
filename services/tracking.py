"""Citizens follow their dossier with the code and the secret printed on the receipt.

A wrong secret gets exactly the answer an unknown code gets, so codes cannot be probed;
look-ups are rate-limited per client. The view is public-safe: official status, dates,
what is missing, why the date is what it is, and no staff names or internal notes.
"""

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from db import rates
from db.answers import log_through
from db.answers import tracked_dossier as tracked_row
from db.documents import get_document as stored_document
from db.documents import stored_bytes
from db.dossiers import get_dossier, issued_forms, record_feedback
from db.models import DossierDocumentRow, DossierFeedbackRow
from db.portal import queue as portal_queue
from db.portal import rating_record
from db.reference import procedure_version
from motcua.settings import Settings
from schemas.actions import ActionCommand, PaymentRecord, ReasonedCommand, SupplementSubmission
from schemas.citizen import (
    CRITERIA,
    FeedbackSubmission,
    FeedbackView,
    IssuedForm,
    PublicEvent,
    ResultLink,
    TrackingView,
)
from schemas.documents import OTHER_SLOT, AccessKind, DocumentForm, DocumentView
from schemas.dossier import DossierSnapshot, EventType, FormKind
from schemas.lifecycle import Action, refusal
from schemas.status import Channel, DossierStatus
from schemas.tracking import verify_tracking_secret
from schemas.views import StatusInfo, SubmissionReceipt
from services import checklist, documents
from services.documents import CITIZEN_URL, Incoming, Uploader
from services.dossiers import projected_state
from services.errors import Conflict, NotFound, ServiceError, closed_conflict
from services.forms import FormPdf, form_pdf
from services.presenters import FORM_TITLES_VI
from services.results import citizen_may_read, delivered
from services.transaction import commit_now
from signing.seals import Signing
from store.content import ContentStore, Staged
from workflows.dossier import DossierWorkflow

CITIZEN = "citizen"

# Events a citizen sees; the others (assignments, consultations, alarms) are internal.
_PUBLIC = {
    EventType.SUBMITTED,
    EventType.ACCEPTED,
    EventType.SUPPLEMENT_REQUESTED,
    EventType.SUPPLEMENT_SUBMITTED,
    EventType.REFUSED,
    EventType.TRANSFERRED,
    EventType.PAYMENT_REQUESTED,
    EventType.PAYMENT_RECORDED,
    EventType.EXTENDED,
    EventType.RESULT_READY,
    EventType.RESULT_RETURNED,
    EventType.WITHDRAWAL_REQUESTED,
    EventType.STOPPED,
    EventType.SUPPLEMENT_EXPIRED,
    EventType.SUSPENDED,
}


class TooManyRequests(ServiceError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message_vi: str, message_en: str, retry_after: int) -> None:
        super().__init__(message_vi, message_en, retry_after_seconds=retry_after)
        self.headers = {"Retry-After": str(retry_after)}


_MINUTE = timedelta(minutes=1)


async def count_look_up(session: AsyncSession, settings: Settings, client: str) -> None:
    """At most MOTCUA_TRACKING_PER_MINUTE look-ups per client a minute, counted in the
    database so that every API replica shares one count. Counted on the request's own
    connection and committed at once: the look-up that follows reads in a new transaction."""
    now = datetime.now(UTC)
    count, started = await rates.hit(session, f"track:{client}", _MINUTE, now)
    await commit_now(session)
    if count > settings.tracking_per_minute:
        wait = rates.retry_after(started, _MINUTE, now)
        raise TooManyRequests(
            f"Bạn tra cứu quá nhiều lần, vui lòng thử lại sau {wait} giây.",
            f"Too many look-ups; please try again in {wait} seconds.",
            wait,
        )


async def find(session: AsyncSession, settings: Settings, code: str, secret: str) -> Row[Any]:
    """The dossier's tracked columns as plain values: tracking is read far more often than
    anything else."""
    row = await tracked_row(session, code)
    # The same answer for an unknown code and a wrong secret.
    if row is None or not verify_tracking_secret(settings.secret_key, code, secret):
        raise NotFound(
            "Không tìm thấy hồ sơ với mã và mã tra cứu đã nhập.",
            "No dossier matches this code and secret.",
        )
    return row


async def receipt(session: AsyncSession, row: Row[Any], seal: Signing | None) -> FormPdf:
    return await form_pdf(session, row.code, "01", seal)


async def issued_form(
    session: AsyncSession, row: Row[Any], form: FormKind, seal: Signing | None
) -> FormPdf:
    return await form_pdf(session, row.code, form.value, seal)


async def supplement(
    session: AsyncSession, temporal: Client, row: Row[Any], body: SupplementSubmission
) -> TrackingView:
    return await _as_citizen(
        session, temporal, row, Action.SUBMIT_SUPPLEMENT, DossierWorkflow.submit_supplement, body
    )


async def withdraw(
    session: AsyncSession, temporal: Client, row: Row[Any], body: ReasonedCommand
) -> TrackingView:
    return await _as_citizen(
        session, temporal, row, Action.WITHDRAW, DossierWorkflow.withdraw, body
    )


async def feedback(
    session: AsyncSession,
    settings: Settings,
    row: Row[Any],
    body: FeedbackSubmission,
    via: str = "online",
) -> TrackingView:
    """The applicant's rating, once per dossier, tied to the clerk who received the
    dossier and to the receiving unit; `via` the web or the counter's kiosk."""
    if row.finished_at is None:
        status = DossierStatus(row.status)
        raise Conflict(
            f"Hồ sơ đang ở trạng thái «{status.name_vi}»; chỉ đánh giá được khi đã có kết quả.",
            f"The dossier is '{status.name_en}'; feedback opens once processing has ended.",
            reason="feedback_not_open",
            status=int(status),
        )
    given = DossierFeedbackRow(
        dossier_code=row.code,
        rating=body.overall,
        complaint=body.complaint,
        created_at=datetime.now(UTC),
        publicity=body.publicity,
        attitude=body.attitude,
        timeliness=body.timeliness,
        outcome=body.outcome,
        comment=body.comment,
        clerk=await receiving_clerk(session, row.code, row.last_seq),
        unit=row.receiving_unit,
        via=via,
    )
    tz = ZoneInfo(settings.timezone)
    stored = await record_feedback(session, given, tz)
    if _scores(stored) != _scores(given):
        await session.rollback()
        raise Conflict(
            "Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ đánh giá một lần.",
            "This dossier has already been rated; each dossier is rated once.",
            reason="feedback_already_given",
        )
    if settings.portal_url:
        # The portal is told with the rating, in its transaction.
        scores = {**stored.model_dump(), "rating": stored.rating}
        record = rating_record(row.code, row.last_seq, row.status, scores, stored.created_at, tz)
        await portal_queue(session, [record], stored.created_at)
    return await view_now(session, row.code)


def _scores(rating: DossierFeedbackRow) -> tuple[Any, ...]:
    return (rating.rating, rating.complaint, *(getattr(rating, c) for c in CRITERIA))


async def receiving_clerk(session: AsyncSession, code: str, through: int) -> str | None:
    """Who took the dossier in at the counter (the acceptance's actor), if anyone did."""
    for event in await log_through(session, code, through):
        if event.type == EventType.ACCEPTED.value:
            return str(event.actor)
    return None


async def pay(
    session: AsyncSession, temporal: Client, row: Row[Any], record: PaymentRecord
) -> TrackingView:
    """The fee paid online, recorded as the applicant's own act."""
    return await _as_citizen(
        session, temporal, row, Action.RECORD_PAYMENT, DossierWorkflow.record_payment, record
    )


async def _as_citizen(
    session: AsyncSession,
    temporal: Client,
    row: Row[Any],
    action: Action,
    update: Any,
    body: ActionCommand,
) -> TrackingView:
    closed = closed_conflict(action, row.status, row.sub_state)
    if closed is not None:
        raise closed
    # Whatever the body says, the one acting here is the applicant.
    command = body.model_copy(update={"actor": CITIZEN, "actor_unit": row.receiving_unit})
    if isinstance(command, SupplementSubmission):
        # The papers brought are judged against the stored ones (a withdrawal brings none).
        dossier = await get_dossier(session, row.code)
        assert dossier is not None, "a tracked dossier exists"
        if refusal(action, projected_state(dossier)) is None:
            command = await checklist.prepare(session, dossier, command)
    handle = temporal.get_workflow_handle_for(DossierWorkflow.run, row.code)
    try:
        await handle.execute_update(update, command)
    except RPCError as exc:
        # Closed between the read above and the update: answer from the state it closed in.
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        now = await tracked_row(session, row.code)
        closed = None if now is None else closed_conflict(action, now.status, now.sub_state)
        if closed is None:
            raise
        raise closed from None
    return await view_now(session, row.code)


async def tracked(session: AsyncSession, code: str) -> Row[Any]:
    """The dossier's tracked columns, for staff who already may see it (the kiosk)."""
    row = await tracked_row(session, code)
    if row is None:
        raise NotFound(f"Không tìm thấy hồ sơ «{code}».", f"Dossier '{code}' was not found.")
    return row


async def view_now(session: AsyncSession, code: str) -> TrackingView:
    """The view read again, after the citizen's own change."""
    row = await tracked_row(session, code)
    assert row is not None, "a dossier is never deleted"
    return await view(session, row)


async def view(session: AsyncSession, row: Row[Any]) -> TrackingView:
    snapshot = DossierSnapshot.model_validate(row.snapshot)
    procedure = await procedure_version(session, row.procedure_code, row.procedure_version)
    assert procedure is not None
    steps = await log_through(session, row.code, row.last_seq)
    events = [(e, kind) for e in steps if (kind := EventType(e.type)) in _PUBLIC]
    missing: list[str] = []
    if row.status == DossierStatus.SUPPLEMENT_REQUESTED:
        request = next(e for e, kind in reversed(events) if kind == EventType.SUPPLEMENT_REQUESTED)
        missing = list(request.data.get("missing_documents", []))
    return TrackingView(
        code=row.code,
        procedure_name_vi=procedure.name_vi,
        procedure_name_en=procedure.name_en,
        applicant_name=str(row.applicant.get("organisation_name") or row.applicant_name),
        status=StatusInfo.of(DossierStatus(row.status)),
        receiving_unit=row.receiving_name,
        returning_unit=row.returning_name,
        submitted_at=row.submitted_at,
        expected_result_at=row.due_at,
        why_vi=snapshot.due_explanation_vi,
        why_en=snapshot.due_explanation_en,
        paused=snapshot.is_paused,
        missing_documents=missing,
        supplement_due_at=snapshot.supplement_due_at,
        feedback_open=row.finished_at is not None,
        feedback=None
        if row.rating is None
        else FeedbackView(rating=row.rating, complaint=row.complaint, created_at=row.rated_at),
        result=_result_link(row.code, snapshot) if delivered(row) else None,
        forms=[
            IssuedForm(
                form=form,
                title_vi=FORM_TITLES_VI[FormKind(form)],
                issued_at=issued_at,
                url=f"/api/v1/track/{row.code}/forms/{form}",
            )
            for form, issued_at in await issued_forms(session, row.code)
        ],
        timeline=[
            PublicEvent(
                at=e.at,
                label_vi=kind.label_vi,
                label_en=kind.label_en,
                status=StatusInfo.of(DossierStatus(e.to_status)),
            )
            for e, kind in events
        ],
    )


def _result_link(code: str, snapshot: DossierSnapshot) -> ResultLink | None:
    signed = snapshot.result
    if signed is None:
        return None
    return ResultLink(
        number=signed.number,
        kind_name_vi=signed.kind.name_vi,
        kind_name_en=signed.kind.name_en,
        signed_at=signed.signed_at,
        valid_until=signed.valid_until,
        url=f"{CITIZEN_URL.format(code=code)}/{signed.document_id}",
    )


# The applicant adds papers online while the dossier waits for the counter's check, or
# when the counter asked for a supplement; after that the papers are the unit's record.
_UPLOADS_OPEN = (DossierStatus.NEW, DossierStatus.SUPPLEMENT_REQUESTED)


def papers_open(row: Row[Any]) -> bool:
    return DossierStatus(row.status) in _UPLOADS_OPEN


async def upload(
    session: AsyncSession,
    content: ContentStore,
    settings: Settings,
    row: Row[Any],
    files: Sequence[Incoming],
    slot: int,
    form: DocumentForm,
) -> list[DocumentView]:
    status = DossierStatus(row.status)
    if status not in _UPLOADS_OPEN:
        raise Conflict(
            f"Hồ sơ đang ở trạng thái «{status.name_vi}»; chỉ nộp thêm giấy tờ khi hồ sơ mới "
            "nộp hoặc khi được yêu cầu bổ sung.",
            f"The dossier is '{status.name_en}'; papers are added only to a new dossier or "
            "when a supplement is requested.",
            reason="documents_closed",
            status=int(status),
        )
    return await documents.upload(
        session,
        content,
        settings,
        (row.code, row.procedure_code, row.procedure_version),
        files,
        slot,
        form,
        Uploader(CITIZEN, CITIZEN, Channel.ONLINE),
        CITIZEN_URL,
    )


async def document_views(session: AsyncSession, row: Row[Any]) -> list[DocumentView]:
    """The applicant's papers, and the signed result once it is theirs."""
    every = await documents.views(
        session, row.code, row.procedure_code, row.procedure_version, CITIZEN_URL
    )
    return [view for view in every if citizen_may_read(row, view.slot)]


async def open_document(
    session: AsyncSession, content: ContentStore, row: Row[Any], document_id: str, kind: AccessKind
) -> tuple[DossierDocumentRow, AsyncIterator[bytes]]:
    found = await stored_document(session, row.code, document_id)
    if found is None or not citizen_may_read(row, found.slot):
        raise NotFound(
            f"Hồ sơ «{row.code}» không có tài liệu «{document_id}».",
            f"Dossier '{row.code}' has no document '{document_id}'.",
        )
    return await documents.open_document(
        session, content, row.code, document_id, (CITIZEN, CITIZEN), kind
    )


async def first_papers(
    session: AsyncSession,
    content: ContentStore,
    settings: Settings,
    receipt: SubmissionReceipt,
    staged: list[tuple[str, Staged]],
) -> None:
    """The papers sent with an online submission, as other documents the counter will
    place against the checklist; a retried submission (same key) keeps its first papers."""
    if not staged or await stored_bytes(session, receipt.code) > 0:
        return
    await documents.record_staged(
        session,
        content,
        settings,
        (receipt.code, receipt.procedure.code, receipt.procedure.version),
        staged,
        (OTHER_SLOT, DocumentForm.ELECTRONIC),
        Uploader(CITIZEN, CITIZEN, Channel.ONLINE),
        CITIZEN_URL,
    )
