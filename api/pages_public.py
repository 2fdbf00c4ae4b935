"""Public pages, no sign-in: the procedure catalogue with each procedure's papers, fees,
time limit, where to submit and its blank request form; and the units' on-time scoreboard."""

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ResourcesDep, SessionDep
from api.routing import pdf_response
from api.web import render, templates, tz_of
from services import public
from services.forms import FormPdf
from signing.typeset import typeset_in_thread

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/thu-tuc")
async def catalogue_page(request: Request, session: SessionDep, q: str = "") -> Response:
    found = await public.catalogue_page(session, q[:100])
    return render(request, "catalogue.html", procedures=found, q=q[:100])


@router.get("/thu-tuc/{code}")
async def procedure_page(request: Request, code: str, session: SessionDep) -> Response:
    return render(request, "procedure.html", p=await public.procedure(session, code))


@router.get("/thu-tuc/{code}/don-de-nghi.pdf")
async def blank_form(request: Request, code: str, session: SessionDep) -> Response:
    """The blank request form of the procedure, to fill in by hand at home."""
    found = await public.procedure(session, code)
    html = templates.get_template("blank_form.html").render(p=found)
    pdf = await typeset_in_thread(html)
    return pdf_response(FormPdf(pdf, f"don-de-nghi-{found.procedure.code}.pdf"))


@router.get("/bang-xep-hang")
async def scoreboard_page(
    request: Request, session: SessionDep, resources: ResourcesDep
) -> Response:
    today = datetime.now(tz_of(request)).date()
    lines = await public.scoreboard(session, resources.settings, today)
    return render(request, "scoreboard.html", lines=lines, today=today)
