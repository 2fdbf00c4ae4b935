"""Web pages for citizens, counter staff and supervisors, rendered on the server.

Every page calls the same services (`services`) the JSON API serves, so a page can do
exactly what the API allows and nothing else: the buttons on a dossier are the workflow's allowed
actions, and an illegal one is refused with the workflow's own reason. Staff sign in with
the API's token, kept in an HttpOnly cookie. Vietnamese by default; `/ngon-ngu/en` switches.
"""

import logging
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import (
    auth,
    pages_citizen,
    pages_complaints,
    pages_public,
    pages_rating,
    pages_results,
    pages_sign_in,
    pages_staff,
)
from api.deps import SessionDep
from api.errors import database_away, http_error, is_api
from api.page_text import TEXT
from api.security import local_path
from api.web import (
    LANG_COOKIE,
    SignInRequired,
    maybe_user,
    messages_for,
    render,
    text_for,
)
from services.errors import RETRY_AFTER_SECONDS, ServiceError, database_unreachable

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


# ---------------------------------------------------------------- everyone


@router.get("/")
async def home(request: Request, session: SessionDep) -> Response:
    return render(request, "home.html", user=await maybe_user(request, session))


@router.get("/ngon-ngu/{lang}")
async def switch_language(lang: str, next: str = "/") -> Response:
    response = RedirectResponse(local_path(next), status_code=303)
    response.set_cookie(LANG_COOKIE, "en" if lang == "en" else "vi", samesite="lax", path="/")
    return response


# ---------------------------------------------------------------- installation


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(router)
    app.include_router(pages_citizen.router)
    # Before the staff pages: their `/can-bo/ho-so/{code}/{action}` would take the kiosk's.
    app.include_router(pages_rating.router)
    app.include_router(pages_staff.router)
    app.include_router(pages_results.router)
    app.include_router(pages_public.router)
    app.include_router(pages_complaints.router)
    app.include_router(pages_sign_in.router)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        target = urlencode({"next": request.url.path, "reason": exc.reason})
        response = RedirectResponse(f"/can-bo/dang-nhap?{target}", status_code=303)
        response.delete_cookie(auth.SESSION_COOKIE, path="/")
        return response

    # Replaces the API's JSON-only handler: a page that lets a service's refusal through
    # (a dossier not this person's, a report they may not read) shows it as a page.
    @app.exception_handler(ServiceError)
    async def _refused(request: Request, exc: ServiceError) -> Response:
        if is_api(request):
            return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)
        page = render(
            request, "error.html", status_code=exc.status_code, messages=messages_for(request, exc)
        )
        page.headers.update(exc.headers or {})
        return page

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if is_api(request):
            return http_error(exc)
        missing = exc.status_code == 404
        return render(
            request,
            "error.html",
            status_code=exc.status_code,
            messages=[text_for(request, "not_found" if missing else "oops")],
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        if database_unreachable(exc):
            if is_api(request):
                return database_away(request, exc)
            log.warning("database unreachable on %s: %r", request.url.path, exc)
            response = render(
                request,
                "error.html",
                status_code=503,
                messages=[text_for(request, "database_down")],
            )
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        # Logged with its trace here; a person sees a plain sentence, never the trace.
        log.exception("unhandled error on %s", request.url.path)
        if is_api(request):
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
        return render(request, "error.html", status_code=500, messages=[text_for(request, "oops")])
