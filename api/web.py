"""What every web page shares: rendering in the person's language, their sign-in, and
errors as sentences. The pages themselves are in api.pages, api.pages_citizen and
api.pages_staff."""

import functools
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

import catalogue
from api import auth
from api.deps import ResourcesDep, SessionDep
from api.errors import plain_messages
from api.page_text import CHOICE_TEXT, FIELD_TEXT, TEXT
from schemas.users import StaffUser
from services.errors import ServiceError, Unauthorized

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
LANG_COOKIE = "lang"


class SignInRequired(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def lang_of(request: Request) -> str:
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "vi"


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    lang = lang_of(request)
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

    def when(value: datetime | None) -> str:
        return "—" if value is None else value.astimezone(tz).strftime("%d/%m/%Y %H:%M")

    def unit(code: str | None) -> str:
        return "—" if not code else unit_name(code, lang)

    tz = tz_of(request)
    helpers = {
        "t": t,
        "loc": loc,
        "field_label": field_label,
        "choice_label": choice_label,
        "unit": unit,
    }
    return templates.TemplateResponse(
        request,
        name,
        {"lang": lang, "when": when, "user": None, **helpers, **context},
        status_code=status_code,
    )


@functools.cache
def _unit_names() -> dict[str, tuple[str, str]]:
    return {u.code: (u.name_vi, u.name_en) for u in catalogue.load_units()}


def unit_name(code: str, lang: str = "vi") -> str:
    """What people read for a unit: its name (Phường Tân Lập), never its code."""
    names = _unit_names().get(code)
    return code if names is None else names[0 if lang == "vi" else 1]


def tz_of(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.resources.settings.timezone)


# What a page tells the person on the page itself: their input refused, or a service's
# refusal. Anything else (a database outage, a defect) is the error page's (api.pages).
PAGE_ERRORS = (ServiceError, RequestValidationError)


def messages_for(request: Request, exc: Exception) -> list[str]:
    messages = plain_messages(exc)
    if messages is None:
        raise exc
    pick = 0 if lang_of(request) == "vi" else 1
    return [message[pick] for message in messages]


async def page_user(request: Request, session: SessionDep, resources: ResourcesDep) -> StaffUser:
    token = request.cookies.get(auth.SESSION_COOKIE)
    if not token:
        raise SignInRequired("required")
    try:
        user = await auth.optional_user(session, resources, token)
    except Unauthorized:
        raise SignInRequired("expired") from None
    if user is None:
        raise SignInRequired("required")
    return user


PageUser = Annotated[StaffUser, Depends(page_user)]


async def maybe_user(request: Request, session: SessionDep) -> StaffUser | None:
    try:
        return await page_user(request, session, request.app.state.resources)
    except SignInRequired:
        return None


def text_for(request: Request, key: str) -> str:
    return TEXT[key][0 if lang_of(request) == "vi" else 1]
