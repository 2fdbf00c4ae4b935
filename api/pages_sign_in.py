"""Citizens' sign-in with the national identity, and "my dossiers"."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import ResourcesDep, SessionDep
from api.security import local_path
from api.web import PAGE_ERRORS, messages_for, render
from services import citizen_sign_in as sign_in

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
CALLBACK = "/dang-nhap-cong-dan/xong"


def _redirect_uri(resources: ResourcesDep) -> str:
    return f"{resources.settings.public_url.rstrip('/')}{CALLBACK}"


@router.get("/dang-nhap-cong-dan")
async def start(
    request: Request, resources: ResourcesDep, next: str = "/ho-so-cua-toi"
) -> Response:
    if not resources.settings.citizen_oidc_issuer:
        return render(request, "error.html", status_code=404, messages=[])
    url, flow = await sign_in.start(resources.settings, _redirect_uri(resources), local_path(next))
    response = RedirectResponse(url, status_code=303)
    # Lax: the provider sends the citizen back with a top-level GET from its own site.
    response.set_cookie(sign_in.FLOW_COOKIE, flow, max_age=600, httponly=True, samesite="lax")
    return response


@router.get(CALLBACK)
async def finish(
    request: Request, resources: ResourcesDep, code: str = "", state: str = ""
) -> Response:
    flow = request.cookies.get(sign_in.FLOW_COOKIE, "")
    try:
        _, session, after = await sign_in.finish(
            resources.settings, _redirect_uri(resources), flow, code, state
        )
    except PAGE_ERRORS as exc:
        return render(request, "error.html", status_code=401, messages=messages_for(request, exc))
    response = RedirectResponse(after, status_code=303)
    response.delete_cookie(sign_in.FLOW_COOKIE)
    response.set_cookie(
        sign_in.CITIZEN_COOKIE,
        session,
        max_age=resources.settings.token_minutes * 60,
        httponly=True,
        samesite="lax",
    )
    return response


@router.get("/ho-so-cua-toi")
async def my_dossiers(request: Request, session: SessionDep, resources: ResourcesDep) -> Response:
    citizen = sign_in.signed_in(resources.settings, request.cookies.get(sign_in.CITIZEN_COOKIE))
    if citizen is None:
        return RedirectResponse("/dang-nhap-cong-dan?next=/ho-so-cua-toi", status_code=303)
    found = await sign_in.my_dossiers(session, resources.settings, citizen)
    return render(request, "my_dossiers.html", citizen=citizen, dossiers=found)


@router.post("/dang-xuat-cong-dan")
async def sign_out() -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(sign_in.CITIZEN_COOKIE)
    return response
