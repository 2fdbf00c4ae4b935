"""The web layer's side of errors: each rendered as JSON, with its HTTP status.

The error family lives below, in `services.errors`; here are the handlers, FastAPI's own
validation errors in the same shape, and the body limit. Errors read in Vietnamese first
(`message`), English alongside (`message_en`).
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
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from api.middleware import HttpMiddleware
from api.normalise import NormaliseText
from api.page_text import TEXT
from services.errors import (
    Conflict,
    DatabaseUnavailable,
    FieldError,
    OutcomeUnknown,
    ServiceError,
    commit_interrupted,
    database_unreachable,
    field_entry,
    update_refused,
    workflow_unanswered,
)

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


# character_not_in_repertoire, untranslatable_character
_UNSTORABLE_TEXT = {"22021", "22P05"}


def is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/metrics", "/docs", "/openapi", "/redoc"))


def database_away(request: Request, exc: Exception) -> JSONResponse:
    # Expected during a database restart or fail-over: one line, not a trace, and a 503
    # that clients and load balancers know to retry.
    log.warning("database unreachable on %s: %r", request.url.path, exc)
    message_vi, message_en = TEXT["database_down"]
    error = DatabaseUnavailable(message_vi, message_en)
    return JSONResponse(error.body(), status_code=error.status_code, headers=error.headers)


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
        entries.append(field_entry(tuple(error["loc"]), error["type"], message_vi, message_en))
    return entries


# A form or a JSON body: a dossier's words, never its files.
MAX_BODY_BYTES = 1_000_000
# Room for a form's own fields beside the files of a multipart upload.
_FORM_FIELDS_BYTES = 1_000_000
_HTTP_VI = {
    404: ("Không tìm thấy địa chỉ này.", "Not found."),
    405: ("Địa chỉ này không nhận phương thức này.", "Method not allowed."),
}


_WORDS_TOO_LARGE = (
    f"Nội dung gửi lên quá lớn (tối đa {MAX_BODY_BYTES // 1_000_000} MB).",
    f"The request body is too large (at most {MAX_BODY_BYTES:,} bytes).",
)


class TooLarge(StarletteHTTPException):
    def __init__(self, words: tuple[str, str]) -> None:
        super().__init__(413)
        self.words = words


class BodyLimit(HttpMiddleware):
    """Bodies over the limit get the API's 413: a declared length before anything is read,
    a chunked body as soon as it passes the limit. Words are held to 1 MB; a multipart
    upload (scans, photos) to what a dossier may hold (`documents_max_dossier_mb`), its
    files spooled to disk as they come and each checked against the per-file limit."""

    def __init__(self, app: ASGIApp, *, upload_mb: float = 1) -> None:
        super().__init__(app)
        self.upload_bytes = int(upload_mb * 1024 * 1024) + _FORM_FIELDS_BYTES
        self.upload_words = (
            f"Các tệp gửi lên quá lớn: một hồ sơ nhận tối đa {upload_mb:g} MB giấy tờ.",
            f"The files sent are too large: a dossier takes at most {upload_mb:g} MB of papers.",
        )

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"])
        kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        upload = kind == b"multipart/form-data"
        limit = self.upload_bytes if upload else MAX_BODY_BYTES
        words = self.upload_words if upload else _WORDS_TOO_LARGE
        declared = headers.get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > limit:
            await http_error(TooLarge(words))(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge(words)
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
    if exc.status_code == 413:
        vi, en = exc.words if isinstance(exc, TooLarge) else _WORDS_TOO_LARGE
    else:
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
        exc = update_refused(exc)
    if isinstance(exc, ServiceError):
        return [(exc.message_vi, exc.message_en)]
    if isinstance(exc, RPCError):
        return [
            (
                "Hệ thống xử lý hồ sơ tạm thời không phản hồi, vui lòng thử lại.",
                "The workflow service did not answer; please try again.",
            )
        ]
    return None


def _answer(error: ServiceError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status_code, headers=error.headers)


def install(app: FastAPI, upload_mb: float = 1) -> None:
    # The limit wraps the composing step, which reads a body whole (never a multipart one).
    app.add_middleware(NormaliseText)
    app.add_middleware(BodyLimit, upload_mb=upload_mb)

    @app.exception_handler(ServiceError)
    async def _api_error(_: Request, exc: ServiceError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            {"detail": _validation_entries(exc)},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    @app.exception_handler(WorkflowUpdateFailedError)
    async def _update_failed(_: Request, exc: WorkflowUpdateFailedError) -> JSONResponse:
        error = update_refused(exc)
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
        return _answer(workflow_unanswered(exc))
