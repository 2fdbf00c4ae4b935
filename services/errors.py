"""The error family of the service room: what went wrong, in Vietnamese first and English
alongside, with the HTTP status the web layer answers it with.

Services raise these and nothing web-shaped; the API renders them as JSON, the pages as a
sentence on the page. Temporal's refusals and the database's absence are named here, once.
"""

from http import HTTPStatus
from typing import Any

import asyncpg
from sqlalchemy.exc import DBAPIError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from schemas.lifecycle import ILLEGAL_ACTION, Action, LifecycleState, label, refusal
from schemas.results import SIGNING_REFUSED
from schemas.status import DossierStatus, SubState


class ServiceError(Exception):
    status_code: int = HTTPStatus.BAD_REQUEST
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


# Connection exception, and operator intervention (shut down, starting up).
_UNREACHABLE_CLASSES = ("08", "57")
# How long a client is asked to wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 5


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


class NotFound(ServiceError):
    status_code = HTTPStatus.NOT_FOUND
    code = "not_found"


class Unauthorized(ServiceError):
    status_code = HTTPStatus.UNAUTHORIZED
    code = "unauthorized"
    headers = {"WWW-Authenticate": "Bearer"}  # noqa: RUF012 (read, never changed)


class Forbidden(ServiceError):
    status_code = HTTPStatus.FORBIDDEN
    code = "forbidden"


class Conflict(ServiceError):
    status_code = HTTPStatus.CONFLICT
    code = "conflict"


class Unavailable(ServiceError):
    status_code = HTTPStatus.SERVICE_UNAVAILABLE
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


class SigningRefused(ServiceError):
    """The token would not sign (absent, PIN wrong, certificate expired): the dossier still
    awaits the signature, and the leader reads why."""

    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "signing_refused"


class FieldError(ServiceError):
    """A well-formed value that names something that does not exist or does not fit."""

    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "invalid_field"

    def __init__(self, loc: tuple[str, ...], kind: str, message_vi: str, message_en: str) -> None:
        super().__init__(message_vi, message_en)
        self.loc = loc
        self.kind = kind

    def body(self) -> dict[str, Any]:
        return {"detail": [field_entry(self.loc, self.kind, self.message_vi, self.message_en)]}


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


def field_entry(
    loc: tuple[Any, ...], kind: str, message_vi: str, message_en: str
) -> dict[str, Any]:
    field = ".".join(str(p) for p in loc if p not in ("body", "query", "path", "header"))
    return {"loc": list(loc), "field": field, "type": kind, "msg": message_vi, "msg_en": message_en}


def update_refused(exc: WorkflowUpdateFailedError) -> ServiceError:
    cause = exc.cause
    if isinstance(cause, ApplicationError) and cause.type == ILLEGAL_ACTION:
        details = cause.details[0] if cause.details else {}
        return Conflict(
            cause.message,
            str(details.get("message_en", cause.message)) if isinstance(details, dict) else "",
            reason="illegal_action",
            state=details if isinstance(details, dict) else {},
        )
    if isinstance(cause, ApplicationError) and cause.type == SIGNING_REFUSED:
        details = cause.details[0] if cause.details else {}
        return SigningRefused(
            cause.message,
            str(details.get("message_en") or cause.message),
            reason=str(details.get("reason", "unknown")),
        )
    return Conflict(
        "Không thực hiện được thao tác trên hồ sơ.",
        f"The action failed: {cause}",
        reason="update_failed",
    )


def workflow_unanswered(exc: RPCError) -> ServiceError:
    """The workflow service's own failure: the dossier's workflow is not there, or the
    service did not answer."""
    if exc.status == RPCStatusCode.NOT_FOUND:
        return NotFound("Không tìm thấy hồ sơ.", f"Not found: {exc.message}")
    return WorkflowServiceUnavailable(
        "Hệ thống xử lý hồ sơ tạm thời không phản hồi, vui lòng thử lại.",
        f"The workflow service did not answer: {exc.message}",
    )
