"""Signing in: staff tokens (JWT), their sessions, and the throttle on guessing passwords."""

import math
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import Row
from sqlmodel.ext.asyncio.session import AsyncSession

from db import rates
from db.users import get_staff, passwords, revoke_session
from motcua.settings import Settings
from schemas.lifecycle import Role
from schemas.users import StaffUser, TokenAnswer
from services.errors import ServiceError, Unauthorized
from services.transaction import commit_now

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


async def sign_in(
    session: AsyncSession, settings: Settings, username: str, password: str, client: str
) -> TokenAnswer:
    now = datetime.now(UTC)
    account = f"sign-in:account:{username.lower()}"
    limits = {account: ACCOUNT_FAILURES, f"sign-in:client:{client}": CLIENT_FAILURES}
    for key, limit in limits.items():
        failures, started = await rates.current(session, key, _SIGN_IN_WINDOW, now)
        if failures >= limit:
            # Refused before the password is even looked at: the right one waits too.
            raise TooManySignIns(rates.retry_after(started, _SIGN_IN_WINDOW, now))
    found = await get_staff(session, username)
    # Verify even for an unknown name, so timing does not tell which names exist.
    valid = passwords.verify(password, found.password_hash if found else _DUMMY_HASH)
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
    access_token, lifetime = issue_token(settings, user)
    return TokenAnswer(access_token=access_token, expires_in=lifetime, user=user)


async def sign_out(session: AsyncSession, settings: Settings, token: str) -> bool:
    """End the token's session on every replica; False for a token that is not ours."""
    claims = session_claims(settings, token)
    if claims is None or not claims.get("sid"):
        return False
    expires = datetime.fromtimestamp(float(claims.get("exp", 0)), UTC)
    await revoke_session(session, str(claims["sid"]), str(claims.get("sub", "")), expires)
    return True


async def user_of(session: AsyncSession, settings: Settings, token: str) -> StaffUser:
    """The staff member a token signed here names, while the session and account hold."""
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=[_ALGORITHM])
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


_DUMMY_HASH = passwords.hash("motcua-timing-guard")
