"""Complaints on the pages: anyone files one and reads the published answers; the owner
unit's staff answer; supervisors see the open and late ones."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import ResourcesDep, SessionDep
from api.errors import validated_body
from api.web import PAGE_ERRORS, PageUser, messages_for, render
from db.reference import list_units
from schemas.complaints import ComplaintAnswer, ComplaintSubmission
from services import complaints

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


async def _form_page(
    request: Request, session: SessionDep, values: dict[str, str], errors: list[str]
) -> Response:
    units = sorted(
        (u for u in await list_units(session) if u.receives_dossiers or u.level == "province"),
        key=lambda u: u.name_vi,
    )
    return render(
        request,
        "complaints.html",
        status_code=422 if errors else 200,
        values=values,
        units=units,
        published=await complaints.published(session),
        errors=errors,
    )


@router.get("/phan-anh")
async def complaint_form(
    request: Request, session: SessionDep, code: str = "", secret: str = ""
) -> Response:
    return await _form_page(request, session, {"dossier_code": code, "secret": secret}, [])


@router.post("/phan-anh")
async def file_complaint(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    full_name: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    dossier_code: Annotated[str, Form()] = "",
    secret: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = "",
    subject: Annotated[str, Form()] = "",
    content: Annotated[str, Form()] = "",
    key: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "full_name": full_name,
        "phone": phone,
        "email": email,
        "dossier_code": dossier_code,
        "secret": secret,
        "unit": unit,
        "subject": subject,
        "content": content,
    }
    try:
        body = validated_body(
            ComplaintSubmission,
            {name: value.strip() or None for name, value in values.items()},
        )
        filed = await complaints.file(
            session, resources.temporal, resources.settings, body, key or None
        )
    except PAGE_ERRORS as exc:
        return await _form_page(request, session, values, messages_for(request, exc))
    return RedirectResponse(f"/phan-anh/{filed.code}?moi=1", status_code=303)


@router.get("/phan-anh/{code}")
async def complaint_page(
    request: Request, code: str, session: SessionDep, moi: str = ""
) -> Response:
    found = await complaints.view(session, code, public=True)
    return render(request, "complaint.html", c=found, new=bool(moi))


@router.get("/can-bo/phan-anh")
async def complaints_to_answer(request: Request, session: SessionDep, user: PageUser) -> Response:
    return render(
        request,
        "complaints_staff.html",
        user=user,
        cases=await complaints.open_and_late(session, user),
    )


@router.post("/can-bo/phan-anh/{code}/tra-loi")
async def answer_complaint(
    request: Request,
    code: str,
    session: SessionDep,
    resources: ResourcesDep,
    user: PageUser,
    answer: Annotated[str, Form()] = "",
    publish: Annotated[str, Form()] = "",
) -> Response:
    try:
        body = validated_body(ComplaintAnswer, {"answer": answer, "publish": bool(publish)})
        await complaints.answer(session, resources.temporal, resources.settings, user, code, body)
    except PAGE_ERRORS as exc:
        return render(
            request,
            "complaints_staff.html",
            status_code=getattr(exc, "status_code", 422),
            user=user,
            cases=await complaints.open_and_late(session, user),
            errors=messages_for(request, exc),
        )
    return RedirectResponse("/can-bo/phan-anh?done=1", status_code=303)
