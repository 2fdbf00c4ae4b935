"""Signing in over HTTP (a bearer token, or the pages' cookie) and who the signed-in user is;
the rules are in `services.sign_in`."""

from typing import Annotated

from fastapi import Cookie, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordRequestForm

from api.clients import client_address
from api.deps import ResourcesDep, SessionDep
from api.routing import api_router
from schemas.users import StaffUser, TokenAnswer
from services import sign_in
from services.errors import Unauthorized

router = api_router(prefix="/auth", tags=["authentication"])
SESSION_COOKIE = "motcua_session"
_bearer = HTTPBearer(auto_error=False, description="POST /api/v1/auth/token to get one")


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
    return await sign_in.sign_in(
        session, resources.settings, form.username, form.password, client_address(request)
    )


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
    if not token or not await sign_in.sign_out(session, resources.settings, token):
        raise Unauthorized("Không có phiên đăng nhập để kết thúc.", "No session to end.")
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def optional_user(
    session: SessionDep, resources: ResourcesDep, token: PresentedToken
) -> StaffUser | None:
    return await sign_in.user_of(session, resources.settings, token) if token else None


async def current_user(
    user: Annotated[StaffUser | None, Depends(optional_user)],
) -> StaffUser:
    if user is None:
        raise Unauthorized("Cần đăng nhập để thực hiện thao tác này.", "Sign in first.")
    return user


OptionalUser = Annotated[StaffUser | None, Depends(optional_user)]
CurrentUser = Annotated[StaffUser, Depends(current_user)]
