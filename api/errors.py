"""One error base class carrying its HTTP status, and the handlers that render every error.

Errors read in Vietnamese first (`message`), English alongside (`message_en`). Temporal's
"not found", "already started" and rejected updates are mapped here and nowhere else.
"""

import logging
from typing import Any, TypeVar

import asyncpg
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message, Receive, Scope, Send
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.middleware import HttpMiddleware
from api.normalise import NormaliseText
from api.page_text import TEXT
from schemas.lifecycle import ILLEGAL_ACTION, Action, LifecycleState, label, refusal
from schemas.status import DossierStatus, SubState

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


class ApiError(Exception):
    status_code = status.HTTP_400_BAD_REQUEST
    code = "bad_request"
    # Sent with the answer: how to sign in, when to try again.
    headers: dict[str, str] | None = None

    def __init__(self, message_vi: str, message_en: str, **details: Any) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en
        self.details = details

    def body(self) -> dict[str, Any]:
        return {
            "detail": {
                "code": self.code,
                "message": self.message_vi,
                "message_en": self.message_en,
                **self.details,
            }
        }


# character_not_in_repertoire, untranslatable_character
_UNSTORABLE_TEXT = {"22021", "22P05"}
# Connection exception, and operator intervention (shut down, starting up).
_UNREACHABLE_CLASSES = ("08", "57")
# How long a client is asked to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 5


def is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/metrics", "/docs", "/openapi", "/redoc"))


def database_away(request: Request, exc: Exception) -> JSONResponse:
    # Expected during a database restart or fail-over: one line, not a trace, and a 503
    # that clients and load balancers know to retry.
    log.warning("database unreachable on %s: %r", request.url.path, exc)
    message_vi, message_en = TEXT["database_down"]
    error = DatabaseUnavailable(message_vi, message_en)
    return JSONResponse(error.body(), status_code=error.status_code, headers=error.headers)


def database_unreachable(exc: BaseException) -> bool:
    """The database stopped, restarting or its connection dropped: not the request's fault,
    and the request changed nothing (its transaction never committed)."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig if exc.orig is not None else exc
    # A refused connection comes from the driver unwrapped. (Not any TimeoutError: other
    # waits raise it too, and a timeout is not proof that the database is away.)
    if isinstance(exc, ConnectionError):
        return True
    return str(getattr(exc, "sqlstate", None) or "").startswith(_UNREACHABLE_CLASSES)


class NotFound(ApiError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class Unauthorized(ApiError):
    status_code = status.HTTP_401_UNAUTHORIZED
    code = "unauthorized"
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012 (read, never changed)


class Forbidden(ApiError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "forbidden"


class Conflict(ApiError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class Unavailable(ApiError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "unavailable"


class DatabaseUnavailable(Unavailable):
    code = "database_unavailable"
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}  # noqa: RUF012 (read, never changed)


class WorkflowServiceUnavailable(Unavailable):
    code = "workflow_service_unavailable"
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}  # noqa: RUF012 (read, never changed)


class OutcomeUnknown(Unavailable):
    """The database connection broke while a transaction was being committed: whether the
    commit landed cannot be known from here. Saying "nothing was changed" could be false."""

    code = "outcome_unknown"
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}  # noqa: RUF012 (read, never changed)

    def __init__(self) -> None:
        super().__init__(
            "Mất kết nối cơ sở dữ liệu đúng lúc đang lưu: chưa rõ thao tác đã được ghi nhận hay "
            "chưa. Xem lại hồ sơ, hoặc gửi lại yêu cầu với cùng Idempotency-Key (không tạo "
            "thêm bản thứ hai).",
            "The database connection broke while saving: whether the action was recorded is "
            "unknown. Look at the dossier, or send the request again with the same "
            "Idempotency-Key (it never creates a second one).",
        )


def commit_interrupted(exc: BaseException) -> bool:
    """asyncpg's own client error, raised when the connection breaks mid-protocol (a
    PostgreSQL restart during a commit), wrapped by SQLAlchemy or not."""
    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            return False
        if isinstance(seen, asyncpg.InternalClientError):
            return True
        orig = getattr(seen, "orig", None)
        seen = orig if isinstance(orig, BaseException) else seen.__cause__
    return False


class RecordedUnreadable(Unavailable):
    """The action is in the dossier's log; only the answer could not be read back, the
    database gone in between. Saying "nothing was changed" here would be false, and doing
    the action again would be refused."""

    code = "recorded_database_unavailable"
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}  # noqa: RUF012 (read, never changed)

    def __init__(self, action: Action, code: str) -> None:
        named = label(action)
        super().__init__(
            f"Thao tác «{named.label_vi}» trên hồ sơ {code} đã được ghi nhận; hệ thống tạm mất "
            "kết nối cơ sở dữ liệu nên chưa hiển thị được kết quả. Không cần làm lại: xem lại "
            "hồ sơ sau ít phút.",
            f"The '{named.label_en}' action on dossier {code} was recorded; the database was "
            "lost for a moment, so the result cannot be shown yet. Do not do it again: look "
            "at the dossier in a few minutes.",
            action=action.value,
            dossier=code,
        )


class FieldError(ApiError):
    """A well-formed value that names something that does not exist or does not fit."""

    status_code = status.HTTP_422_UNPROCESSABLE_CONTENT
    code = "invalid_field"

    def __init__(self, loc: tuple[str, ...], kind: str, message_vi: str, message_en: str) -> None:
        super().__init__(message_vi, message_en)
        self.loc = loc
        self.kind = kind

    def body(self) -> dict[str, Any]:
        return {"detail": [_field_entry(self.loc, self.kind, self.message_vi, self.message_en)]}


def closed_conflict(action: Action, status: int, sub_state: str) -> Conflict | None:
    """The 409 for an action on a closed dossier, or None while it is open.

    A closed workflow takes no update at all (Temporal answers "not found"), so the answer
    is the one its validator would have given: the state that forbids the action."""
    state = LifecycleState(status=DossierStatus(status), sub_state=SubState(sub_state))
    if not state.status.is_terminal:
        return None
    why = refusal(action, state)
    assert why is not None, "no action is allowed on a closed dossier"
    return Conflict(
        why.message_vi, why.message_en, reason="illegal_action", state=why.model_dump(mode="json")
    )


def dossier_not_found(code: str) -> NotFound:
    return NotFound(
        f"Không tìm thấy hồ sơ «{code}».", f"Dossier '{code}' was not found.", dossier=code
    )


def _field_entry(
    loc: tuple[Any, ...], kind: str, message_vi: str, message_en: str
) -> dict[str, Any]:
    field = ".".join(str(p) for p in loc if p not in ("body", "query", "path", "header"))
    return {"loc": list(loc), "field": field, "type": kind, "msg": message_vi, "msg_en": message_en}


_VALIDATION_VI: dict[str, str] = {
    "missing": "Thiếu thông tin bắt buộc.",
    "extra_forbidden": "Trường này không được phép.",
    "string_pattern_mismatch": "Giá trị không đúng định dạng.",
    "string_too_short": "Giá trị quá ngắn.",
    "string_too_long": "Giá trị quá dài.",
    "string_type": "Phải là chuỗi ký tự.",
    "int_parsing": "Phải là số nguyên.",
    "int_type": "Phải là số nguyên.",
    "enum": "Giá trị không thuộc danh sách cho phép.",
    "literal_error": "Giá trị không thuộc danh sách cho phép.",
    "model_attributes_type": "Phải là một đối tượng.",
    "dict_type": "Phải là một đối tượng.",
    "json_invalid": "Nội dung JSON không hợp lệ.",
    "greater_than_equal": "Giá trị quá nhỏ.",
    "less_than_equal": "Giá trị quá lớn.",
}


def _validation_entries(exc: RequestValidationError) -> list[dict[str, Any]]:
    entries = []
    for error in exc.errors():
        ctx = error.get("ctx") or {}
        if "en" in ctx:  # our own validators: Vietnamese message, English in the context
            message_vi, message_en = error["msg"], str(ctx["en"])
        else:
            message_vi = _VALIDATION_VI.get(error["type"], "Giá trị không hợp lệ.")
            message_en = error["msg"]
        entries.append(_field_entry(tuple(error["loc"]), error["type"], message_vi, message_en))
    return entries


def _update_failure(exc: WorkflowUpdateFailedError) -> ApiError:
    cause = exc.cause
    if isinstance(cause, ApplicationError) and cause.type == ILLEGAL_ACTION:
        details = cause.details[0] if cause.details else {}
        return Conflict(
            cause.message,
            str(details.get("message_en", cause.message)) if isinstance(details, dict) else "",
            reason="illegal_action",
            state=details if isinstance(details, dict) else {},
        )
    return Conflict(
        "Không thực hiện được thao tác trên hồ sơ.",
        f"The action failed: {cause}",
        reason="update_failed",
    )


MAX_BODY_BYTES = 1_000_000  # dossiers list their documents; files never come through here
_HTTP_VI = {
    404: ("Không tìm thấy địa chỉ này.", "Not found."),
    405: ("Địa chỉ này không nhận phương thức này.", "Method not allowed."),
    413: (
        f"Nội dung gửi lên quá lớn (tối đa {MAX_BODY_BYTES // 1_000_000} MB).",
        f"The request body is too large (at most {MAX_BODY_BYTES:,} bytes).",
    ),
}


class BodyLimit(HttpMiddleware):
    """Bodies over the limit get the API's 413: a declared length before anything is read,
    a chunked body as soon as it passes the limit."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            await http_error(StarletteHTTPException(413))(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > MAX_BODY_BYTES:
                raise StarletteHTTPException(413)
            return message

        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except StarletteHTTPException as exc:
            # Raised by a middleware that reads the body before the app does (composing
            # text): answered here, as the app would have answered it.
            if exc.status_code != 413 or started:
                raise
            await http_error(exc)(scope, receive, send)


def http_error(exc: StarletteHTTPException) -> JSONResponse:
    """Framework errors (no route, wrong method, body too large) in the API's own shape."""
    vi, en = _HTTP_VI.get(exc.status_code, ("Yêu cầu không hợp lệ.", str(exc.detail)))
    body = {"detail": {"code": f"http_{exc.status_code}", "message": vi, "message_en": en}}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def validated_body(model: type[M], data: dict[str, Any]) -> M:
    """A body checked against its model, failing as FastAPI's own validation does."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        ) from None


def plain_messages(exc: Exception) -> list[tuple[str, str]] | None:
    """What the web pages tell a person about an error, (Vietnamese, English) per line;
    None for an error that is not the person's to fix (the page says so without detail)."""
    if isinstance(exc, RequestValidationError):
        return [
            (f"{e['field'] or '—'}: {e['msg']}", f"{e['field'] or '—'}: {e['msg_en']}")
            for e in _validation_entries(exc)
        ]
    if isinstance(exc, WorkflowUpdateFailedError):
        exc = _update_failure(exc)
    if isinstance(exc, ApiError):
        return [(exc.message_vi, exc.message_en)]
    if isinstance(exc, RPCError):
        return [
            (
                "Hệ thống xử lý hồ sơ tạm thời không phản hồi, vui lòng thử lại.",
                "The workflow service did not answer; please try again.",
            )
        ]
    return None


def _answer(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status_code, headers=error.headers)


def install(app: FastAPI) -> None:
    # The limit wraps the composing step, which reads a body whole.
    app.add_middleware(NormaliseText)
    app.add_middleware(BodyLimit)

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            {"detail": _validation_entries(exc)},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    @app.exception_handler(WorkflowUpdateFailedError)
    async def _update_failed(_: Request, exc: WorkflowUpdateFailedError) -> JSONResponse:
        error = _update_failure(exc)
        return JSONResponse(error.body(), status_code=error.status_code)

    @app.exception_handler(WorkflowAlreadyStartedError)
    async def _already_started(_: Request, exc: WorkflowAlreadyStartedError) -> JSONResponse:
        error = Conflict(
            f"Hồ sơ «{exc.workflow_id}» đã tồn tại.",
            f"Dossier '{exc.workflow_id}' already exists.",
        )
        return JSONResponse(error.body(), status_code=error.status_code)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        # Text PostgreSQL cannot store (a NUL character): the input's fault, not ours.
        if getattr(exc.orig, "sqlstate", None) in _UNSTORABLE_TEXT:
            error = FieldError(
                ("request",),
                "invalid_character",
                "Dữ liệu gửi lên chứa ký tự không hợp lệ (ký tự NUL).",
                "The request contains a character that cannot be stored (NUL).",
            )
            return JSONResponse(error.body(), status_code=error.status_code)
        if database_unreachable(exc) and is_api(request):
            return database_away(request, exc)
        if commit_interrupted(exc) and is_api(request):
            return _answer(OutcomeUnknown())
        # A page answers in HTML: the last handler (api.pages) renders it.
        raise exc

    # The driver's own errors, as it raises them while connecting (a refused connection, a
    # server shutting down or starting up), before SQLAlchemy wraps anything.
    async def _driver(request: Request, exc: Exception) -> JSONResponse:
        if database_unreachable(exc) and is_api(request):
            return database_away(request, exc)
        if commit_interrupted(exc) and is_api(request):
            return _answer(OutcomeUnknown())
        raise exc

    for kind in (ConnectionError, asyncpg.PostgresError, asyncpg.InternalClientError):
        app.add_exception_handler(kind, _driver)

    @app.exception_handler(RPCError)
    async def _rpc(_: Request, exc: RPCError) -> JSONResponse:
        error: ApiError
        if exc.status == RPCStatusCode.NOT_FOUND:
            error = NotFound("Không tìm thấy hồ sơ.", f"Not found: {exc.message}")
        else:
            error = WorkflowServiceUnavailable(
                "Hệ thống xử lý hồ sơ tạm thời không phản hồi, vui lòng thử lại.",
                f"The workflow service did not answer: {exc.message}",
            )
        return _answer(error)
