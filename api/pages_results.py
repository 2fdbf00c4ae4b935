"""The pages of signed results: anyone verifies a result (Xác thực văn bản) without signing
in; staff search the results registry (Kho kết quả)."""

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from api.clients import client_address
from api.deps import ResourcesDep, SessionDep
from api.results import read_upload
from api.web import PAGE_ERRORS, PageUser, messages_for, render
from services import results, tracking

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/xac-thuc")
async def verify_page(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    code: str = "",
    sha256: str = "",
) -> Response:
    if not (code.strip() and sha256.strip()):
        return render(request, "verify.html", verification=None, errors=[], code=code)
    try:
        await tracking.count_look_up(session, resources.settings, client_address(request))
        verification = await results.verify_code(session, code, sha256)
    except PAGE_ERRORS as exc:
        return render(
            request,
            "verify.html",
            status_code=getattr(exc, "status_code", 422),
            verification=None,
            errors=messages_for(request, exc),
            code=code,
        )
    return render(request, "verify.html", verification=verification, errors=[], code=code)


@router.post("/xac-thuc")
async def verify_upload(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    try:
        await tracking.count_look_up(session, resources.settings, client_address(request))
        verification = await results.verify_file(
            session, await read_upload(file), resources.trust_roots
        )
    except PAGE_ERRORS as exc:
        return render(
            request,
            "verify.html",
            status_code=getattr(exc, "status_code", 422),
            verification=None,
            errors=messages_for(request, exc),
            code="",
        )
    return render(request, "verify.html", verification=verification, errors=[], code="")


@router.get("/can-bo/ket-qua")
async def registry_page(
    request: Request, session: SessionDep, user: PageUser, q: str = ""
) -> Response:
    if not q.strip():
        return render(request, "registry.html", user=user, q="", page=None, errors=[])
    try:
        page = await results.search(session, user, q)
    except PAGE_ERRORS as exc:
        return render(
            request,
            "registry.html",
            status_code=getattr(exc, "status_code", 422),
            user=user,
            q=q,
            page=None,
            errors=messages_for(request, exc),
        )
    return render(request, "registry.html", user=user, q=q, page=page, errors=[])
