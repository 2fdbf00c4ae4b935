"""Web pages for citizens, counter staff and supervisors, rendered on the server.

Every page calls the same route functions the JSON API serves, so a page can do exactly
what the API allows and nothing else: the buttons on a dossier are the workflow's allowed
actions, and an illegal one is refused with the workflow's own reason. Staff sign in with
the API's token, kept in an HttpOnly cookie. Vietnamese by default; `/ngon-ngu/en` switches.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_args, get_origin
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import OAuth2PasswordRequestForm
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import auth, dossiers, queues, supervision, tracking
from api.access import check_act, province_wide
from api.calendar import working_calendar
from api.deps import ResourcesDep, SessionDep
from api.errors import Forbidden, Unauthorized, http_error, plain_messages
from db.dossiers import get_dossier
from db.models import DossierRow
from db.reference import current_procedures, list_units
from schemas.actions import (
    ACTION_BODIES,
    ActionCommand,
    ReasonedCommand,
    SupplementSubmission,
)
from schemas.dossier import DossierSubmission
from schemas.lifecycle import Action, Role, label
from schemas.status import Channel, DossierStatus
from schemas.unit import Level
from schemas.users import StaffUser
from schemas.views import BulkReassignRequest, DossierDetail

log = logging.getLogger(__name__)
_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
M = TypeVar("M", bound=BaseModel)
HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
LANG_COOKIE = "lang"

TEXT: dict[str, tuple[str, str]] = {
    "app": ("Một cửa Đắk Lắk", "Đắk Lắk One-Stop Shop"),
    "home": ("Trang chủ", "Home"),
    "submit": ("Nộp hồ sơ trực tuyến", "Submit online"),
    "track": ("Tra cứu hồ sơ", "Track a dossier"),
    "staff": ("Cán bộ", "Staff"),
    "queue": ("Hồ sơ cần xử lý", "Work queue"),
    "supervision": ("Giám sát", "Supervision"),
    "sign_in": ("Đăng nhập", "Sign in"),
    "sign_out": ("Đăng xuất", "Sign out"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "procedure": ("Thủ tục hành chính", "Administrative procedure"),
    "commune": ("Xã, phường nơi cư trú", "Commune or ward of residence"),
    "full_name": ("Họ và tên", "Full name"),
    "id_number": ("Số định danh cá nhân (CCCD)", "Personal ID number"),
    "phone": ("Số điện thoại", "Phone"),
    "email": ("Thư điện tử", "Email"),
    "address": ("Địa chỉ", "Address"),
    "note": ("Ghi chú", "Note"),
    "send": ("Gửi", "Send"),
    "filter": ("Lọc", "Filter"),
    "code": ("Mã hồ sơ", "Dossier code"),
    "secret": ("Mã tra cứu (trên giấy tiếp nhận)", "Tracking secret (on the receipt)"),
    "submitted": ("Đã nộp hồ sơ", "Dossier submitted"),
    "keep_these": (
        "Giữ lại mã hồ sơ và mã tra cứu để theo dõi hồ sơ.",
        "Keep the dossier code and the tracking secret to follow your dossier.",
    ),
    "status": ("Trạng thái", "Status"),
    "expected": ("Ngày hẹn trả kết quả", "Expected result date"),
    "why": ("Vì sao là ngày này", "Why this date"),
    "timeline": ("Quá trình xử lý", "Timeline"),
    "receipt": ("Giấy tiếp nhận và hẹn trả kết quả (Mẫu 01)", "Receipt (Form 01)"),
    "missing": ("Giấy tờ cần bổ sung", "Documents to supplement"),
    "supplement_due": ("Hạn bổ sung", "Supplement due"),
    "documents": ("Giấy tờ nộp bổ sung (mỗi dòng một loại)", "Documents supplied (one a line)"),
    "supplement": ("Nộp bổ sung", "Send the supplement"),
    "withdraw": ("Rút hồ sơ", "Withdraw the dossier"),
    "reason": ("Lý do", "Reason"),
    "receiving_unit": ("Nơi tiếp nhận", "Received at"),
    "returning_unit": ("Nơi trả kết quả", "Result returned at"),
    "applicant": ("Người nộp", "Applicant"),
    "submitted_at": ("Ngày nộp", "Submitted"),
    "due": ("Hạn xử lý", "Due"),
    "holder": ("Đơn vị đang giữ", "Held by"),
    "assignee": ("Người xử lý", "Officer"),
    "actions": ("Thao tác được phép", "Allowed actions"),
    "no_actions": ("Không có thao tác nào bạn được làm lúc này.", "Nothing for you to do now."),
    "forms": ("Biểu mẫu", "Forms"),
    "done": ("Đã thực hiện", "Done"),
    "overdue": ("Quá hạn", "Overdue"),
    "at_risk": ("Sắp đến hạn (đã cảnh báo)", "At risk (warned)"),
    "late_hours": ("Trễ (giờ làm việc)", "Late (working hours)"),
    "rung": ("Mức cảnh báo", "Warning"),
    "statistics": ("Số liệu theo đơn vị", "Figures per unit"),
    "from": ("Từ ngày", "From"),
    "to": ("Đến ngày", "To"),
    "unit": ("Đơn vị", "Unit"),
    "on_time_share": ("Tỷ lệ đúng hạn (chỉ số 2.1)", "On-time share (indicator 2.1)"),
    "live": ("Diễn biến trực tiếp", "Live events"),
    "none": ("Không có hồ sơ nào.", "No dossiers."),
    "all": ("Tất cả", "All"),
    "mine": ("Của tôi", "Mine"),
    "reassign_all": ("Chuyển toàn bộ hồ sơ của một cán bộ", "Hand over all of an officer's"),
    "from_officer": ("Từ cán bộ", "From officer"),
    "to_officer": ("Sang cán bộ", "To officer"),
    "error": ("Không thực hiện được", "Could not be done"),
    "oops": (
        "Đã có lỗi trong hệ thống. Vui lòng thử lại sau ít phút.",
        "Something went wrong on our side. Please try again in a few minutes.",
    ),
    "not_found": ("Không tìm thấy trang.", "Page not found."),
    "expired": (
        "Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại.",
        "Your session has expired; please sign in again.",
    ),
    "required": ("Vui lòng đăng nhập để tiếp tục.", "Please sign in to continue."),
    "welcome": (
        "Nộp và theo dõi hồ sơ thủ tục hành chính của tỉnh Đắk Lắk.",
        "Submit and follow administrative dossiers of Đắk Lắk province.",
    ),
    "rating": ("Đánh giá", "Rating"),
    "language": ("English", "Tiếng Việt"),
}

FIELD_TEXT: dict[str, tuple[str, str]] = {
    "reason": ("Lý do", "Reason"),
    "digitised": ("Đã số hóa (quét, ký số) hồ sơ giấy", "Paper dossier scanned and signed"),
    "missing_documents": ("Giấy tờ cần bổ sung (mỗi dòng một loại)", "Missing (one a line)"),
    "respond_within_days": ("Thời hạn bổ sung (ngày)", "Days to respond"),
    "documents": ("Giấy tờ đã bổ sung (mỗi dòng một loại)", "Documents (one a line)"),
    "officer": ("Cán bộ xử lý (tên đăng nhập)", "Officer (username)"),
    "result": ("Kết quả thẩm định", "Appraisal result"),
    "findings": ("Nội dung thẩm định", "Findings"),
    "agencies": (
        "Cơ quan lấy ý kiến (mỗi dòng: mã đơn vị | nội dung)",
        "Agencies (unit | question)",
    ),
    "unit": ("Mã đơn vị", "Unit code"),
    "agrees": ("Đồng ý", "Agrees"),
    "opinion": ("Ý kiến", "Opinion"),
    "agency": ("Cơ quan xác minh", "Verifying agency"),
    "amount_vnd": ("Số tiền (đồng)", "Amount (VND)"),
    "description": ("Nội dung thu", "Description"),
    "method": ("Hình thức", "Method"),
    "reference": ("Số biên lai, mã giao dịch", "Receipt or transaction number"),
    "decision": ("Quyết định", "Decision"),
    "decision_number": ("Số văn bản", "Document number"),
    "new_due_at": ("Ngày hẹn mới", "New due date"),
    "recipient": ("Người nhận", "Recipient"),
}

CHOICE_TEXT: dict[str, tuple[str, str]] = {
    "sufficient": ("Đủ điều kiện", "Sufficient"),
    "insufficient": ("Cần bổ sung", "Insufficient"),
    "grant": ("Chấp thuận, cấp kết quả", "Grant"),
    "refuse": ("Từ chối", "Refuse"),
    "online": ("Trực tuyến", "Online"),
    "counter": ("Tại quầy", "At the counter"),
    "electronic": ("Bản điện tử", "Electronic"),
    "in_person": ("Trực tiếp", "In person"),
    "post": ("Bưu chính", "By post"),
}


class SignInRequired(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _lang(request: Request) -> str:
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "vi"


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    lang = _lang(request)
    pick = 0 if lang == "vi" else 1

    def t(key: str) -> str:
        return TEXT[key][pick]

    def loc(obj: Any, field: str = "name") -> str:
        suffix = "vi" if lang == "vi" else "en"
        value = (
            obj.get(f"{field}_{suffix}")
            if isinstance(obj, dict)
            else getattr(obj, f"{field}_{suffix}")
        )
        return str(value)

    def field_label(name: str) -> str:
        return FIELD_TEXT.get(name, (name, name))[pick]

    def choice_label(value: str) -> str:
        return CHOICE_TEXT.get(value, (value, value))[pick]

    helpers = {"t": t, "loc": loc, "field_label": field_label, "choice_label": choice_label}
    return templates.TemplateResponse(
        request,
        name,
        {"lang": lang, "when": _when, "day": _day, "user": None, **helpers, **context},
        status_code=status_code,
    )


def _when(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(_TZ).strftime("%d/%m/%Y %H:%M")


def _day(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(_TZ).date()
    return value.strftime("%d/%m/%Y")


def _errors(request: Request, exc: Exception) -> list[str]:
    messages = plain_messages(exc)
    if messages is None:
        raise exc
    pick = 0 if _lang(request) == "vi" else 1
    return [message[pick] for message in messages]


async def page_user(request: Request, session: SessionDep, resources: ResourcesDep) -> StaffUser:
    token = request.cookies.get(auth.SESSION_COOKIE)
    if not token:
        raise SignInRequired("required")
    try:
        user = await auth.optional_user(session, resources, None, token)
    except Unauthorized:
        raise SignInRequired("expired") from None
    if user is None:
        raise SignInRequired("required")
    return user


PageUser = Annotated[StaffUser, Depends(page_user)]


# ---------------------------------------------------------------- everyone


@router.get("/")
async def home(request: Request, session: SessionDep) -> Response:
    return render(request, "home.html", user=await _maybe_user(request, session))


@router.get("/ngon-ngu/{lang}")
async def switch_language(lang: str, next: str = "/") -> Response:
    response = RedirectResponse(next if next.startswith("/") else "/", status_code=303)
    response.set_cookie(LANG_COOKIE, "en" if lang == "en" else "vi", samesite="lax", path="/")
    return response


# ---------------------------------------------------------------- citizens


@router.get("/nop-ho-so")
async def submit_form(
    request: Request, session: SessionDep, procedure: str | None = None
) -> Response:
    return await _submit_page(request, session, {"procedure_code": procedure or ""}, [])


async def _submit_page(
    request: Request, session: SessionDep, values: dict[str, str], errors: list[str]
) -> Response:
    procedures = await current_procedures(session)
    communes = [u for u in await list_units(session, "commune") if u.receives_dossiers]
    return render(
        request,
        "submit.html",
        status_code=422 if errors else 200,
        procedures=sorted(procedures, key=lambda p: p.name_vi),
        communes=sorted(communes, key=lambda u: u.name_vi),
        values=values,
        errors=errors,
        key=values.get("key") or uuid.uuid4().hex,
    )


@router.post("/nop-ho-so")
async def submit(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    procedure_code: Annotated[str, Form()] = "",
    commune: Annotated[str, Form()] = "",
    full_name: Annotated[str, Form()] = "",
    id_number: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    key: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "procedure_code": procedure_code,
        "commune": commune,
        "full_name": full_name,
        "id_number": id_number,
        "phone": phone,
        "email": email,
        "address": address,
        "note": note,
        "key": key,
    }
    try:
        procedure = next(
            (p for p in await current_procedures(session) if p.code == procedure_code), None
        )
        receiving = commune
        if procedure is not None and procedure.level is Level.PROVINCE:
            centres = [
                u for u in await list_units(session, "province") if u.kind == "service_centre"
            ]
            receiving = centres[0].code if centres else commune
        body = _validated(
            DossierSubmission,
            {
                "procedure_code": procedure_code,
                "receiving_unit": receiving,
                "locality": commune or None,
                "channel": Channel.ONLINE,
                "applicant": {
                    "full_name": full_name,
                    "id_number": id_number,
                    "phone": phone,
                    "email": email or None,
                    "address": address or None,
                },
                "note": note or None,
            },
        )
        receipt = await dossiers.submit_dossier(
            body, session, resources, None, idempotency_key=key or None
        )
    except Exception as exc:
        return await _submit_page(request, session, values, _errors(request, exc))
    return render(request, "submitted.html", receipt=receipt)


@router.get("/tra-cuu")
async def track_page(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    code: str = "",
    secret: str = "",
    done: str = "",
) -> Response:
    if not code:
        return render(request, "track_form.html", code="", errors=[])
    try:
        tracking.rate_limited(request)
        row = await tracking.tracked_dossier(code.strip(), session, resources, secret.strip())
        view = await tracking.track(row, session)
    except Exception as exc:
        return render(
            request, "track_form.html", status_code=404, code=code, errors=_errors(request, exc)
        )
    return render(request, "track.html", view=view, secret=secret.strip(), done=done, errors=[])


@router.post("/tra-cuu/{code}/{what}")
async def citizen_action(
    request: Request,
    code: str,
    what: str,
    session: SessionDep,
    resources: ResourcesDep,
    secret: Annotated[str, Form()] = "",
    documents: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    try:
        tracking.rate_limited(request)
        row = await tracking.tracked_dossier(code, session, resources, secret)
        if what == "bo-sung":
            body = _validated(SupplementSubmission, {"documents": _lines(documents)})
            await tracking.supplement(row, body, session, resources)
        elif what == "rut-ho-so":
            await tracking.withdraw(
                row, _validated(ReasonedCommand, {"reason": reason}), session, resources
            )
        else:
            return render(request, "error.html", status_code=404, messages=[])
    except Exception as exc:
        errors = _errors(request, exc)
        try:
            row = await tracking.tracked_dossier(code, session, resources, secret)
        except Exception:
            return render(request, "track_form.html", status_code=404, code=code, errors=errors)
        view = await tracking.track(row, session)
        return render(
            request, "track.html", status_code=409, view=view, secret=secret, done="", errors=errors
        )
    query = urlencode({"code": code, "secret": secret, "done": what})
    return RedirectResponse(f"/tra-cuu?{query}", status_code=303)


@router.get("/tra-cuu/{code}/giay-tiep-nhan.pdf")
async def receipt_pdf(
    request: Request, code: str, session: SessionDep, resources: ResourcesDep, secret: str = ""
) -> Response:
    try:
        tracking.rate_limited(request)
        row = await tracking.tracked_dossier(code, session, resources, secret)
        return await tracking.receipt(row, session)
    except Exception as exc:
        return render(request, "error.html", status_code=404, messages=_errors(request, exc))


# ---------------------------------------------------------------- staff


@router.get("/can-bo/dang-nhap")
async def sign_in_form(
    request: Request, next: str = "/can-bo/hang-doi", reason: str = ""
) -> Response:
    notice = [_text(request, reason)] if reason in ("expired", "required") else []
    return render(request, "sign_in.html", next=next, errors=notice, username="")


@router.post("/can-bo/dang-nhap")
async def sign_in(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/can-bo/hang-doi",
) -> Response:
    try:
        answer = await auth.token(
            OAuth2PasswordRequestForm(username=username, password=password), session, resources
        )
    except Exception as exc:
        return render(
            request,
            "sign_in.html",
            status_code=401,
            next=next,
            errors=_errors(request, exc),
            username=username,
        )
    response = RedirectResponse(next if next.startswith("/") else "/", status_code=303)
    # HttpOnly and SameSite=Strict: scripts cannot read it and other sites cannot send it.
    response.set_cookie(
        auth.SESSION_COOKIE,
        answer.access_token,
        max_age=answer.expires_in,
        httponly=True,
        samesite="strict",
        path="/",
    )
    return response


@router.post("/can-bo/dang-xuat")
async def sign_out() -> Response:
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
    page = await queues.queue(
        user.unit,
        session,
        resources,
        user,
        status=[DossierStatus(status)] if status else None,
        procedure=procedure or None,
        mine=mine == "1",
        overdue=True if overdue == "1" else None,
        size=200,
    )
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
        body = _validated(
            BulkReassignRequest,
            {"from_officer": from_officer, "to_officer": to_officer, "reason": reason},
        )
        result = await queues.bulk_reassign(user.unit, body, session, resources, user)
    except Exception as exc:
        return render(request, "error.html", status_code=409, messages=_errors(request, exc))
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
    try:
        detail = await dossiers.read_dossier(code, session, resources, user)
    except Exception as exc:
        return render(request, "error.html", status_code=404, messages=_errors(request, exc))
    return await _dossier_view(request, session, detail, user, done=done, errors=[])


async def _dossier_view(
    request: Request,
    session: SessionDep,
    detail: DossierDetail,
    user: StaffUser,
    *,
    done: str,
    errors: list[str],
    status_code: int = 200,
) -> Response:
    row = await get_dossier(session, detail.code)
    assert row is not None
    # The workflow's allowed actions, less those this person's role or unit may not take.
    mine = [a for a in detail.allowed_actions if _may(user, a.action, row)]
    return render(
        request,
        "dossier.html",
        status_code=status_code,
        user=user,
        d=detail,
        actions=mine,
        forms={a.action.value: _form_fields(a.action) for a in mine},
        done=label(Action(done)) if done in Action.__members__.values() else None,
        errors=errors,
    )


def _may(user: StaffUser, action: Action, row: DossierRow) -> bool:
    if action is Action.ANSWER_CONSULTATION:
        consulted = {str(c["unit"]) for c in row.snapshot.get("consultations", [])}
        return user.role is Role.OFFICER and user.unit in consulted
    try:
        check_act(user, action, row, ActionCommand())
    except Forbidden:
        return False
    return True


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
    try:
        body = _body_from_form(action, {k: str(v) for k, v in form.items()})
        await dossiers.act_on_dossier(
            code,
            action,
            session,
            resources,
            body,
            user,
            idempotency_key=str(form.get("key") or "") or None,
        )
    except Exception as exc:
        errors = _errors(request, exc)
        detail = await dossiers.read_dossier(code, session, resources, user)
        return await _dossier_view(
            request, session, detail, user, done="", errors=errors, status_code=409
        )
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
    today = datetime.now(_TZ).date()
    start = start or today.replace(day=1)
    end = end or today
    try:
        overdue = await supervision.overdue(session, resources, user, size=100)
        at_risk = await supervision.at_risk(session, resources, user, size=100)
        report = await supervision.statistics(session, user, start, end)
    except Exception as exc:
        return render(request, "error.html", status_code=403, messages=_errors(request, exc))
    assert not isinstance(report, Response)
    chart = {
        "labels": [u.unit for u in report.units],
        "values": [u.indicators.get("2.1") for u in report.units],
    }
    return render(
        request,
        "supervision.html",
        user=user,
        overdue=overdue.items,
        at_risk=at_risk.items,
        report=report,
        chart=chart,
        start=start,
        end=end,
        province=province_wide(user),
    )


# ---------------------------------------------------------------- forms of actions


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text, textarea, lines, rows, number, checkbox, choice, datetime
    required: bool
    choices: tuple[str, ...] = ()
    row_fields: tuple[str, ...] = ()


def _form_fields(action: Action) -> list[FieldSpec]:
    """The inputs an action's body needs, read from its schema (schemas.actions)."""
    model = ACTION_BODIES[action]
    fields = []
    for name, info in model.model_fields.items():
        if name in ("actor", "actor_unit"):
            continue
        annotation = info.annotation
        args = [a for a in get_args(annotation) if a is not type(None)]
        inner = args[0] if get_origin(annotation) is not list and args else annotation
        origin = get_origin(annotation)
        required = info.is_required()
        if origin is list:
            item = get_args(annotation)[0]
            if isinstance(item, type) and issubclass(item, BaseModel):
                row = tuple(n for n, f in item.model_fields.items() if f.is_required())
                fields.append(FieldSpec(name, "rows", required, row_fields=row))
            else:
                fields.append(FieldSpec(name, "lines", required))
        elif inner is bool:
            fields.append(FieldSpec(name, "checkbox", False))
        elif inner is int:
            fields.append(FieldSpec(name, "number", required))
        elif inner is datetime:
            fields.append(FieldSpec(name, "datetime", required))
        elif isinstance(inner, type) and issubclass(inner, Enum):
            fields.append(FieldSpec(name, "choice", required, tuple(str(m.value) for m in inner)))
        elif name in ("reason", "findings", "opinion", "description"):
            fields.append(FieldSpec(name, "textarea", required))
        else:
            fields.append(FieldSpec(name, "text", required))
    return fields


def _body_from_form(action: Action, form: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for spec in _form_fields(action):
        raw = form.get(spec.name, "").strip()
        if spec.kind == "checkbox":
            body[spec.name] = spec.name in form
        elif spec.kind == "lines":
            if raw or spec.required:
                body[spec.name] = _lines(raw)
        elif spec.kind == "rows":
            body[spec.name] = [
                dict(zip(spec.row_fields, (part.strip() for part in line.split("|")), strict=False))
                for line in _lines(raw)
            ]
        elif spec.kind == "datetime" and raw:
            body[spec.name] = datetime.fromisoformat(raw).replace(tzinfo=_TZ).isoformat()
        elif raw:
            body[spec.name] = raw
    return body


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _validated(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        ) from None


async def _maybe_user(request: Request, session: SessionDep) -> StaffUser | None:
    try:
        return await page_user(request, session, request.app.state.resources)
    except SignInRequired:
        return None


# ---------------------------------------------------------------- installation


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(router)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        target = urlencode({"next": request.url.path, "reason": exc.reason})
        response = RedirectResponse(f"/can-bo/dang-nhap?{target}", status_code=303)
        response.delete_cookie(auth.SESSION_COOKIE, path="/")
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            return http_error(exc)
        missing = exc.status_code == 404
        return render(
            request,
            "error.html",
            status_code=exc.status_code,
            messages=[_text(request, "not_found" if missing else "oops")],
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Logged with its trace here; a person sees a plain sentence, never the trace.
        log.exception("unhandled error on %s", request.url.path)
        if _is_api(request):
            return JSONResponse(
                {
                    "detail": {
                        "code": "internal_error",
                        "message": TEXT["oops"][0],
                        "message_en": TEXT["oops"][1],
                    }
                },
                status_code=500,
            )
        return render(request, "error.html", status_code=500, messages=[_text(request, "oops")])


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/metrics", "/docs", "/openapi", "/redoc"))


def _text(request: Request, key: str) -> str:
    return TEXT[key][0 if _lang(request) == "vi" else 1]
