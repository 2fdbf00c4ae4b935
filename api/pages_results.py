"""The pages of signed results: anyone verifies a result (Xác thực văn bản) without signing
in; staff search the results registry (Kho kết quả)."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from api.clients import client_address
from api.deps import Resources, ResourcesDep, SessionDep
from api.results import read_upload
from api.web import PAGE_ERRORS, PageUser, messages_for, render
from schemas.results import Verification
from services import results, tracking

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


async def _answered(
    request: Request, template: str, key: str, answer: Awaitable[Any], **context: Any
) -> Response:
    """The page with `answer` under `key`, or with the refusal's sentences in its place."""
    try:
        found = await answer
    except PAGE_ERRORS as exc:
        return render(
            request,
            template,
            status_code=getattr(exc, "status_code", 422),
            errors=messages_for(request, exc),
            **{key: None, **context},
        )
    return render(request, template, errors=[], **{key: found, **context})


async def _counted(
    request: Request,
    resources: Resources,
    session: SessionDep,
    check: Callable[[], Awaitable[Verification]],
) -> Verification:
    # Anyone may ask, so asking is counted as a tracking look-up is.
    await tracking.count_look_up(session, resources.settings, client_address(request))
    return await check()


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

    def check() -> Awaitable[Verification]:
        return results.verify_code(session, code, sha256)

    return await _answered(
        request, "verify.html", "verification", _counted(request, resources, session, check),
        code=code,
    )  # fmt: skip


@router.post("/xac-thuc")
async def verify_upload(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    async def check() -> Verification:
        return await results.verify_file(session, await read_upload(file), resources.trust_roots)

    return await _answered(
        request, "verify.html", "verification", _counted(request, resources, session, check),
        code="",
    )  # fmt: skip


@router.get("/can-bo/ket-qua")
async def registry_page(
    request: Request, session: SessionDep, user: PageUser, q: str = ""
) -> Response:
    if not q.strip():
        return render(request, "registry.html", user=user, q="", page=None, errors=[])
    return await _answered(
        request, "registry.html", "page", results.search(session, user, q), user=user, q=q
    )
