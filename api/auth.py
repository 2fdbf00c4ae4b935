"""Signing in (JWT bearer tokens) and who the signed-in user is."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Cookie, Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordRequestForm
from sqlalchemy import Row

from api.deps import ResourcesDep, SessionDep
from api.errors import Unauthorized
from api.routing import api_router
from db.users import get_staff, passwords
from motcua.settings import Settings
from schemas.lifecycle import Role
from schemas.users import StaffUser, TokenAnswer

router = api_router(prefix="/auth", tags=["authentication"])
SESSION_COOKIE = "motcua_session"
_bearer = HTTPBearer(auto_error=False, description="POST /api/v1/auth/token to get one")
_ALGORITHM = "HS256"


def issue_token(settings: Settings, user: StaffUser) -> tuple[str, int]:
    lifetime = settings.token_minutes * 60
    claims = {
        "sub": user.username,
        "role": user.role.value,
        "unit": user.unit,
        "exp": datetime.now(UTC) + timedelta(seconds=lifetime),
    }
    return jwt.encode(claims, settings.secret_key, algorithm=_ALGORITHM), lifetime


def _staff_user(found: Row[Any]) -> StaffUser:
    return StaffUser(
        username=found.username,
        full_name=found.full_name,
        role=Role(found.role),
        unit=found.unit_code,
        unit_level=found.level,
    )


async def _staff(session: SessionDep, username: str) -> StaffUser | None:
    found = await get_staff(session, username)
    return None if found is None else _staff_user(found)


@router.post("/token", response_model=TokenAnswer, summary="Sign in (Đăng nhập)")
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    resources: ResourcesDep,
) -> TokenAnswer:
    found = await get_staff(session, form.username)
    # Verify even for an unknown name, so timing does not tell which names exist.
    valid = passwords.verify(form.password, found.password_hash if found else _DUMMY_HASH)
    if found is None or not valid:
        raise Unauthorized("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password.")
    user = _staff_user(found)
    access_token, lifetime = issue_token(resources.settings, user)
    return TokenAnswer(access_token=access_token, expires_in=lifetime, user=user)


async def optional_user(
    session: SessionDep,
    resources: ResourcesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session_cookie: Annotated[
        str | None, Cookie(alias=SESSION_COOKIE, include_in_schema=False)
    ] = None,
) -> StaffUser | None:
    # The web pages sign in with the same token, kept in an HttpOnly, SameSite=Strict
    # cookie: a browser sends it only from this site's own pages.
    token = credentials.credentials if credentials is not None else session_cookie
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
    user = await _staff(session, str(claims.get("sub", "")))
    if user is None:
        raise Unauthorized("Tài khoản không còn hoạt động.", "The account is no longer active.")
    return user


async def current_user(
    user: Annotated[StaffUser | None, Depends(optional_user)],
) -> StaffUser:
    if user is None:
        raise Unauthorized("Cần đăng nhập để thực hiện thao tác này.", "Sign in first.")
    return user


OptionalUser = Annotated[StaffUser | None, Depends(optional_user)]
CurrentUser = Annotated[StaffUser, Depends(current_user)]

_DUMMY_HASH = passwords.hash("motcua-timing-guard")
