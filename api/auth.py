"""Signing in (JWT bearer tokens) and who the signed-in user is."""

import math
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Cookie, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordRequestForm
from sqlalchemy import Row

from api.clients import client_address
from api.deps import ResourcesDep, SessionDep
from api.routing import api_router
from db import rates
from db.users import get_staff, passwords, revoke_session
from motcua.settings import Settings
from schemas.lifecycle import Role
from schemas.users import StaffUser, TokenAnswer
from services.errors import ServiceError, Unauthorized
from services.transaction import commit_now

router = api_router(prefix="/auth", tags=["authentication"])
SESSION_COOKIE = "motcua_session"
_bearer = HTTPBearer(auto_error=False, description="POST /api/v1/auth/token to get one")
_ALGORITHM = "HS256"


def issue_token(settings: Settings, user: StaffUser) -> tuple[str, int]:
    lifetime = settings.token_minutes * 60
    now = time.time()
    claims = {
        "sub": user.username,
        "role": user.role.value,
        "unit": user.unit,
        # The session's own id, so that signing out ends this one session everywhere;
        # the issue instant to the microsecond, compared with the account's
        # `tokens_valid_after` (a password change or a disabled account ends every session).
        "sid": secrets.token_hex(16),
        "iat": now,
        "exp": int(now) + lifetime,
    }
    return jwt.encode(claims, settings.secret_key, algorithm=_ALGORITHM), lifetime


def session_claims(settings: Settings, token: str) -> dict[str, Any] | None:
    """The claims of a token signed here, even an expired one (to sign it out); None if
    the token is not ours."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token, settings.secret_key, algorithms=[_ALGORITHM], options={"verify_exp": False}
        )
    except jwt.InvalidTokenError:
        return None
    return claims


def _staff_user(found: Row[Any]) -> StaffUser:
    return StaffUser(
        username=found.username,
        full_name=found.full_name,
        role=Role(found.role),
        unit=found.unit_code,
        unit_level=found.level,
    )


def _still_valid(found: Row[Any], claims: dict[str, Any]) -> bool:
    if found.revoked:
        return False
    if found.tokens_valid_after is None:
        return True
    issued = claims.get("iat")
    return isinstance(issued, int | float) and issued >= found.tokens_valid_after.timestamp()


# Guessing a password: an account is locked for a while after a few failures in a row,
# and a client address after many, whichever account it tries. Counted in the database,
# so every replica refuses the same guesses.
_SIGN_IN_WINDOW = timedelta(minutes=15)
ACCOUNT_FAILURES = 5
CLIENT_FAILURES = 20


class TooManySignIns(ServiceError):
    status_code = 429
    code = "sign_in_throttled"

    def __init__(self, wait: int) -> None:
        minutes = max(1, math.ceil(wait / 60))
        super().__init__(
            f"Đăng nhập sai quá nhiều lần; vui lòng thử lại sau {minutes} phút.",
            f"Too many failed sign-ins; please try again in {minutes} minutes.",
            retry_after_seconds=wait,
        )
        self.headers = {"Retry-After": str(wait)}


@router.post(
    "/token",
    response_model=TokenAnswer,
    summary="Sign in (Đăng nhập)",
    responses={
        401: {"description": "Wrong username or password"},
        429: {"description": "Too many failed sign-ins: Retry-After"},
    },
)
async def token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    resources: ResourcesDep,
) -> TokenAnswer:
    now = datetime.now(UTC)
    account = f"sign-in:account:{form.username.lower()}"
    limits = {
        account: ACCOUNT_FAILURES,
        f"sign-in:client:{client_address(request)}": CLIENT_FAILURES,
    }
    for key, limit in limits.items():
        failures, started = await rates.current(session, key, _SIGN_IN_WINDOW, now)
        if failures >= limit:
            # Refused before the password is even looked at: the right one waits too.
            raise TooManySignIns(rates.retry_after(started, _SIGN_IN_WINDOW, now))
    found = await get_staff(session, form.username)
    # Verify even for an unknown name, so timing does not tell which names exist.
    valid = passwords.verify(form.password, found.password_hash if found else _DUMMY_HASH)
    if found is None or not valid:
        for key in limits:
            await rates.hit(session, key, _SIGN_IN_WINDOW, now)
    else:
        await rates.forget(session, account)
    # The count stands although the answer below may be a refusal.
    await commit_now(session)
    if found is None or not valid:
        raise Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password.")
    user = _staff_user(found)
    access_token, lifetime = issue_token(resources.settings, user)
    return TokenAnswer(access_token=access_token, expires_in=lifetime, user=user)


async def sign_out_token(session: SessionDep, settings: Settings, token: str) -> bool:
    """End the token's session on every replica; False for a token that is not ours."""
    claims = session_claims(settings, token)
    if claims is None or not claims.get("sid"):
        return False
    expires = datetime.fromtimestamp(float(claims.get("exp", 0)), UTC)
    await revoke_session(session, str(claims["sid"]), str(claims.get("sub", "")), expires)
    return True


def presented_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session_cookie: Annotated[
        str | None, Cookie(alias=SESSION_COOKIE, include_in_schema=False)
    ] = None,
) -> str | None:
    # The web pages sign in with the same token, kept in an HttpOnly, SameSite=Strict
    # cookie: a browser sends it only from this site's own pages.
    return credentials.credentials if credentials is not None else session_cookie


PresentedToken = Annotated[str | None, Depends(presented_token)]


@router.post(
    "/sign-out",
    status_code=204,
    summary="Sign out (Đăng xuất): this session ends on every replica",
    responses={401: {"description": "No session to end"}},
)
async def sign_out(session: SessionDep, resources: ResourcesDep, token: PresentedToken) -> Response:
    if not token or not await sign_out_token(session, resources.settings, token):
        raise Unauthorized("Không có phiên đăng nhập để kết thúc.", "No session to end.")
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def optional_user(
    session: SessionDep, resources: ResourcesDep, token: PresentedToken
) -> StaffUser | None:
    if not token:
        return None
    try:
        claims = jwt.decode(token, resources.settings.secret_key, algorithms=[_ALGORITHM])
    except jwt.ExpiredSignatureError:
        raise Unauthorized(
            "Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại.",
            "The session has expired; please sign in again.",
        ) from None
    except jwt.InvalidTokenError:
        raise Unauthorized("Mã đăng nhập không hợp lệ.", "Invalid token.") from None
    found = await get_staff(session, str(claims.get("sub", "")), str(claims.get("sid", "")))
    if found is None:
        raise Unauthorized("Tài khoản không còn hoạt động.", "The account is no longer active.")
    if not _still_valid(found, claims):
        raise Unauthorized(
            "Phiên đăng nhập đã kết thúc, vui lòng đăng nhập lại.",
            "This session has ended; please sign in again.",
        )
    return _staff_user(found)


async def current_user(
    user: Annotated[StaffUser | None, Depends(optional_user)],
) -> StaffUser:
    if user is None:
        raise Unauthorized("Cần đăng nhập để thực hiện thao tác này.", "Sign in first.")
    return user


OptionalUser = Annotated[StaffUser | None, Depends(optional_user)]
CurrentUser = Annotated[StaffUser, Depends(current_user)]

_DUMMY_HASH = passwords.hash("motcua-timing-guard")
