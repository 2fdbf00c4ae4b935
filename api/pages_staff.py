"""Staff pages: sign-in, the unit's queue, a dossier and its actions; supervision."""

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import auth
from api.action_forms import body_from_form, form_fields
from api.clients import client_address
from api.deps import Resources, ResourcesDep, SessionDep
from api.documents import incoming
from api.errors import validated_body
from api.routing import NotificationId
from api.security import local_path
from api.web import PAGE_ERRORS, PageUser, lang_of, messages_for, render, text_for, tz_of, unit_name
from db.models import DossierRow
from db.portal import of_dossier as portal_records
from db.reference import procedure_version
from schemas.actions import Acceptance, ActionCommand, ConsultationAnswer, SupplementRequest
from schemas.bulk import BulkReassignRequest
from schemas.deadlines import NotificationItem, NotificationStatus
from schemas.documents import (
    AUTHORISATION_SLOT,
    OTHER_SLOT,
    Attachment,
    DocumentForm,
    Placement,
    Receipt,
)
from schemas.lifecycle import ACTIONS, Action, label
from schemas.procedure import RequiredDocument
from schemas.status import Channel, DossierStatus
from schemas.users import StaffUser
from schemas.views import DossierDetail
from services import (
    checklist,
    documents,
    dossiers,
    notifications,
    queues,
    reconciliation,
    sign_in,
    supervision,
)
from services.access import (
    awaited,
    can_attach,
    can_read_documents,
    check_act,
    check_attach,
    province_wide,
)
from services.calendar import working_calendar
from services.documents import Uploader
from services.errors import Forbidden, RecordedUnreadable, Unauthorized
from services.supervision import ANY_RUNG, RiskQuery

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/can-bo/dang-nhap")
async def sign_in_form(
    request: Request, next: str = "/can-bo/hang-doi", reason: str = ""
) -> Response:
    notice = [text_for(request, reason)] if reason in ("expired", "required") else []
    return render(
        request,
        "sign_in.html",
        next=local_path(next, "/can-bo/hang-doi"),
        errors=notice,
        username="",
    )


@router.post("/can-bo/dang-nhap")
async def sign_in_submitted(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/can-bo/hang-doi",
) -> Response:
    try:
        answer = await sign_in.sign_in(
            session, resources.settings, username, password, client_address(request)
        )
    except (Unauthorized, sign_in.TooManySignIns) as exc:
        page = render(
            request,
            "sign_in.html",
            status_code=exc.status_code,
            next=local_path(next, "/can-bo/hang-doi"),
            errors=messages_for(request, exc),
            username=username,
        )
        page.headers.update(exc.headers or {})
        return page
    response = RedirectResponse(local_path(next, "/can-bo/hang-doi"), status_code=303)
    # HttpOnly and SameSite=Strict: scripts cannot read it and other sites cannot send it.
    response.set_cookie(
        auth.SESSION_COOKIE,
        answer.access_token,
        max_age=answer.expires_in,
        httponly=True,
        samesite="strict",
        secure=resources.settings.secure_cookies,
        path="/",
    )
    return response


@router.post("/can-bo/dang-xuat")
async def sign_out_page(request: Request, session: SessionDep, resources: ResourcesDep) -> Response:
    # The session ends on the server (every replica refuses its token from now on), not
    # only in this browser.
    token = request.cookies.get(auth.SESSION_COOKIE)
    if token:
        await sign_in.sign_out(session, resources.settings, token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


@router.get("/can-bo/hang-doi")
async def queue_page(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    user: PageUser,
    status: int | None = None,
    overdue: str = "",
    mine: str = "",
    procedure: str = "",
) -> Response:
    query = queues.QueueQuery(
        status=[DossierStatus(status)] if status else None,
        procedure=procedure or None,
        mine=mine == "1",
        overdue=True if overdue == "1" else None,
        size=200,
    )
    page = await queues.queue(session, resources.settings, user, user.unit, query)
    calendar = await working_calendar(session, resources.settings)
    now = datetime.now(UTC)
    urgency = {
        item.code: (
            "late"
            if item.due_at is not None and item.due_at < now
            else "soon"
            if item.due_at is not None and calendar.working_hours_between(now, item.due_at) <= 8
            else "fine"
        )
        for item in page.items
    }
    return render(
        request,
        "queue.html",
        user=user,
        page=page,
        urgency=urgency,
        statuses=list(DossierStatus),
        filters={"status": status, "overdue": overdue, "mine": mine, "procedure": procedure},
        errors=[],
        done=request.query_params.get("done", ""),
    )


@router.get("/can-bo/tim-kiem")
async def search_page(
    request: Request, session: SessionDep, user: PageUser, q: str = ""
) -> Response:
    if not q.strip():
        return render(request, "search.html", user=user, q="", page=None, errors=[])
    try:
        page = await queues.search(session, user, q)
    except PAGE_ERRORS as exc:
        return render(
            request,
            "search.html",
            status_code=422,
            user=user,
            q=q,
            page=None,
            errors=messages_for(request, exc),
        )
    return render(request, "search.html", user=user, q=q, page=page, errors=[])


@router.post("/can-bo/hang-doi/chuyen-can-bo")
async def reassign_all(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    user: PageUser,
    from_officer: Annotated[str, Form()] = "",
    to_officer: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    try:
        body = validated_body(
            BulkReassignRequest,
            {"from_officer": from_officer, "to_officer": to_officer, "reason": reason},
        )
        result = await queues.bulk_reassign(session, resources.temporal, user, user.unit, body)
    except PAGE_ERRORS as exc:
        return render(request, "error.html", status_code=409, messages=messages_for(request, exc))
    return RedirectResponse(f"/can-bo/hang-doi?done=reassigned-{result.matched}", status_code=303)


@router.get("/can-bo/ho-so/{code}")
async def dossier_page(
    request: Request,
    code: str,
    session: SessionDep,
    resources: ResourcesDep,
    user: PageUser,
    done: str = "",
) -> Response:
    row = await dossiers.load(session, code, user)
    detail = await dossiers.read(session, resources.temporal, row)
    return await _dossier_view(request, session, row, detail, user, done=done, errors=[])


async def _dossier_view(
    request: Request,
    session: SessionDep,
    row: DossierRow,
    detail: DossierDetail,
    user: StaffUser,
    *,
    done: str,
    errors: list[str],
    status_code: int = 200,
) -> Response:
    # The workflow's allowed actions, less those this person's role or unit may not take.
    mine = [a for a in detail.allowed_actions if _may(user, a.action, row)]
    procedure = await procedure_version(session, row.procedure_code, row.procedure_version)
    assert procedure is not None, "a dossier's procedure version is kept"
    papers = None
    if can_read_documents(user, row):
        papers = await documents.views(session, row.code, row.procedure_code, row.procedure_version)
    # At the counter's check, accepting and asking for a supplement are the checklist's two
    # buttons: both decided from the same marks.
    check, decisions = None, [a.action.value for a in mine if a.action in _CHECKLIST_ACTIONS]
    if papers is not None and Action.ACCEPT.value in decisions:
        check = await checklist.current(session, row)
        mine = [a for a in mine if a.action not in _CHECKLIST_ACTIONS]
    return render(
        request,
        "dossier.html",
        status_code=status_code,
        user=user,
        d=detail,
        papers=papers,
        messages=await notifications.applicant_messages(session, row.code),
        finished=row.finished_at is not None,
        synced=await portal_records(session, row.code),
        required=procedure.required_documents,
        slots=_slots(procedure.required_documents, detail),
        authorised=detail.applicant.representative is not None,
        check=check,
        decisions=decisions,
        receipts=list(Receipt),
        attach=can_attach(user, row),
        document_forms=list(DocumentForm),
        actions=mine,
        forms={a.action.value: form_fields(a.action) for a in mine},
        done=label(Action(done)) if done in Action.__members__.values() else None,
        errors=errors,
    )


async def _shown_again(
    request: Request,
    session: SessionDep,
    resources: Resources,
    row: DossierRow,
    user: StaffUser,
    exc: Exception,
    status_code: int,
) -> Response:
    """The dossier's page again, read afresh, with what the person can fix said on it."""
    detail = await dossiers.read(session, resources.temporal, row)
    errors = messages_for(request, exc)
    return await _dossier_view(
        request, session, row, detail, user, done="", errors=errors, status_code=status_code
    )


_CHECKLIST_ACTIONS = (Action.ACCEPT, Action.REQUEST_SUPPLEMENT)


def _slots(required: Sequence[RequiredDocument], detail: DossierDetail) -> list[tuple[int, str]]:
    """The places a file can be put: each required paper, the letter of authorisation when
    someone acts for the applicant, and "other"."""
    slots = [(i, d.name_vi) for i, d in enumerate(required)]
    if detail.applicant.representative is not None:
        slots.append((AUTHORISATION_SLOT, "Văn bản ủy quyền"))
    slots.append((OTHER_SLOT, "Giấy tờ khác"))
    return slots


def _marks(form: Mapping[str, str], slots: list[int]) -> list[dict[str, str | int | None]]:
    """The checklist as typed: `state-N`, `form-N` and `note-N` for each paper N."""
    marks: list[dict[str, str | int | None]] = []
    for slot in slots:
        state = form.get(f"state-{slot}", "")
        if not state:
            continue
        marks.append(
            {
                "slot": slot,
                "state": state,
                "form": (form.get(f"form-{slot}") or None) if state == "received" else None,
                "note": form.get(f"note-{slot}", "").strip() or None,
            }
        )
    return marks


def _may(user: StaffUser, action: Action, row: DossierRow) -> bool:
    command: ActionCommand = ActionCommand()
    if action is Action.ANSWER_CONSULTATION:
        # A consulted agency answers for itself, and only while its answer is awaited.
        if user.unit not in awaited(row):
            return False
        command = ConsultationAnswer.model_construct(unit=user.unit, agrees=True, opinion="")
    try:
        check_act(user, action, row, command)
    except Forbidden:
        return False
    return True


@router.post("/can-bo/ho-so/{code}/tai-lieu")
async def attach_papers(
    request: Request,
    code: str,
    session: SessionDep,
    resources: ResourcesDep,
    user: PageUser,
    files: Annotated[list[UploadFile], File()],
    slot: Annotated[int, Form()] = OTHER_SLOT,
    form: Annotated[str, Form()] = DocumentForm.COPY.value,
) -> Response:
    row = await dossiers.load(session, code, user)
    try:
        check_attach(user, row)
        kind = validated_body(Attachment, {"slot": slot, "form": form})
        await documents.upload(
            session,
            resources.content,
            resources.settings,
            (row.code, row.procedure_code, row.procedure_version),
            incoming([f for f in files if f.filename]),
            kind.slot,
            kind.form,
            Uploader(user.username, user.role.value, Channel.IN_PERSON),
        )
    except PAGE_ERRORS as exc:
        return await _shown_again(request, session, resources, row, user, exc, 422)
    return RedirectResponse(f"/can-bo/ho-so/{quote(code)}#tai-lieu", status_code=303)


@router.post("/can-bo/ho-so/{code}/tai-lieu/{document_id}/xep")
async def place_paper(
    request: Request,
    code: str,
    document_id: str,
    session: SessionDep,
    resources: ResourcesDep,
    user: PageUser,
    slot: Annotated[int, Form()],
) -> Response:
    row = await dossiers.load(session, code, user)
    try:
        check_attach(user, row)
        placement = validated_body(Placement, {"slot": slot})
        await documents.place(
            session,
            (row.code, row.procedure_code, row.procedure_version),
            document_id,
            placement.slot,
            Uploader(user.username, user.role.value, Channel.IN_PERSON),
        )
    except PAGE_ERRORS as exc:
        return await _shown_again(request, session, resources, row, user, exc, 422)
    return RedirectResponse(f"/can-bo/ho-so/{quote(code)}#kiem-tra", status_code=303)


@router.post("/can-bo/ho-so/{code}/kiem-tra")
async def check_papers(
    request: Request,
    code: str,
    session: SessionDep,
    resources: ResourcesDep,
    user: PageUser,
) -> Response:
    """The counter's check, ending in one of its two decisions: accept (Form 01), or ask
    for exactly what is wanting (Form 02)."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    row = await dossiers.load(session, code, user)
    action = Action.ACCEPT if form.get("decision") == Action.ACCEPT.value else None
    action = action or Action.REQUEST_SUPPLEMENT
    try:
        current = await checklist.current(session, row)
        marks = _marks(form, [line.slot for line in current.lines])
        command: ActionCommand
        if action is Action.ACCEPT:
            body: dict[str, object] = {"checklist": marks}
            if form.get("override_reason", "").strip():
                body["override_reason"] = form["override_reason"].strip()
            command = validated_body(Acceptance, body)
        else:
            body = {"checklist": marks}
            if form.get("respond_within_days", "").strip():
                body["respond_within_days"] = form["respond_within_days"].strip()
            command = validated_body(SupplementRequest, body)
        await dossiers.act(session, resources.temporal, user, row, action, command, form.get("key"))
    except RecordedUnreadable:
        pass
    except PAGE_ERRORS as exc:
        return await _shown_again(request, session, resources, row, user, exc, 422)
    return RedirectResponse(f"/can-bo/ho-so/{quote(code)}?done={action.value}", status_code=303)


@router.post("/can-bo/ho-so/{code}/{action}")
async def act(
    request: Request,
    code: str,
    action: Action,
    session: SessionDep,
    resources: ResourcesDep,
    user: PageUser,
) -> Response:
    form = await request.form()
    row = await dossiers.load(session, code, user)
    try:
        body = body_from_form(action, {k: str(v) for k, v in form.items()}, tz_of(request))
        command = validated_body(ACTIONS[action].body, body)
        key = str(form.get("key") or "") or None
        await dossiers.act(session, resources.temporal, user, row, action, command, key)
    except RecordedUnreadable:
        # Done; the dossier's page reads it back once the database answers again.
        pass
    except PAGE_ERRORS as exc:
        return await _shown_again(request, session, resources, row, user, exc, 409)
    return RedirectResponse(f"/can-bo/ho-so/{quote(code)}?done={action.value}", status_code=303)


# ---------------------------------------------------------------- supervisors


@router.get("/giam-sat")
async def supervision_page(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    user: PageUser,
    start: date | None = None,
    end: date | None = None,
) -> Response:
    today = datetime.now(tz_of(request)).date()
    start = start or today.replace(day=1)
    end = end or today
    settings = resources.settings
    overdue = await supervision.risk_page(session, settings, user, RiskQuery(size=100))
    at_risk = await supervision.risk_page(session, settings, user, RiskQuery(ANY_RUNG, size=100))
    report = await supervision.statistics(session, settings, user, start, end, "competent")
    ratings = await supervision.satisfaction(session, settings, user, start, end)
    undelivered: list[NotificationItem] = []
    kept: list[reconciliation.DailyReconciliation] = []
    if province_wide(user):
        for state in (NotificationStatus.ABANDONED, NotificationStatus.FAILED):
            found = await notifications.page(session, user, state, size=50)
            undelivered += found.items
        kept = await reconciliation.daily_reports(session, user, limit=14)
    chart = {
        "labels": [unit_name(u.unit, lang_of(request)) for u in report.units],
        "values": [u.indicators.get("2.1") for u in report.units],
    }
    return render(
        request,
        "supervision.html",
        user=user,
        overdue=overdue.items,
        at_risk=at_risk.items,
        ratings=ratings.lines,
        report=report,
        chart=chart,
        start=start,
        end=end,
        province=province_wide(user),
        undelivered=undelivered,
        reconciliations=kept,
        done=request.query_params.get("done", ""),
    )


@router.post("/giam-sat/thong-bao/{notification_id}/gui-lai")
async def send_notification_again(
    request: Request,
    notification_id: NotificationId,
    session: SessionDep,
    user: PageUser,
) -> Response:
    try:
        await notifications.retry(session, user, notification_id)
    except PAGE_ERRORS as exc:
        return render(request, "error.html", status_code=409, messages=messages_for(request, exc))
    return RedirectResponse("/giam-sat?done=retry#undelivered", status_code=303)
