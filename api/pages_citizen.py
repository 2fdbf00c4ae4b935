"""Citizens' pages: submit online, track, supplement, withdraw, the receipt."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Row

from api.action_forms import lines
from api.clients import client_address
from api.deps import Resources, ResourcesDep, SessionDep
from api.documents import incoming
from api.errors import validated_body
from api.rating import RatingForm, rating_context, rating_form
from api.routing import pdf_response
from api.security import csp_posting_to
from api.web import PAGE_ERRORS, messages_for, render
from db.reference import current_procedures, list_units, procedure_version
from schemas.actions import (
    ReasonedCommand,
    SupplementSubmission,
)
from schemas.documents import OTHER_SLOT, Attachment, DocumentForm
from schemas.dossier import ApplicantKind, DossierSubmission, FormKind
from schemas.messages import CitizenChannel, Language
from schemas.status import Channel, DossierStatus
from schemas.unit import Level
from services import citizen_sign_in, dossiers, payments, tracking
from services.documents import stage_all
from services.errors import ServiceError
from services.forms import FormPdf

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/nop-ho-so")
async def submit_form(
    request: Request, session: SessionDep, procedure: str | None = None
) -> Response:
    values = {"procedure_code": procedure or ""}
    citizen = _citizen(request)
    if citizen is not None:
        # Who the national identity says the person is, not what they might type.
        values |= {
            "full_name": citizen.name,
            "id_number": citizen.id_number,
            "phone": citizen.phone or "",
        }
    return await _submit_page(request, session, values, [])


def _citizen(request: Request) -> citizen_sign_in.Citizen | None:
    settings = request.app.state.resources.settings
    return citizen_sign_in.signed_in(settings, request.cookies.get(citizen_sign_in.CITIZEN_COOKIE))


async def _submit_page(
    request: Request, session: SessionDep, values: dict[str, str], errors: list[str]
) -> Response:
    procedures = await current_procedures(session)
    communes = [u for u in await list_units(session, "commune") if u.receives_dossiers]
    return render(
        request,
        "submit.html",
        status_code=422 if errors else 200,
        procedures=sorted(procedures, key=lambda p: p.name_vi),
        communes=sorted(communes, key=lambda u: u.name_vi),
        values=values,
        kinds=list(ApplicantKind),
        channels=list(CitizenChannel),
        chosen=(values.get("notify_by") or "sms").split(","),
        errors=errors,
        key=values.get("key") or uuid.uuid4().hex,
        citizen=_citizen(request),
        vneid=bool(request.app.state.resources.settings.citizen_oidc_issuer),
    )


@router.post("/nop-ho-so")
async def submit(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    procedure_code: Annotated[str, Form()] = "",
    commune: Annotated[str, Form()] = "",
    full_name: Annotated[str, Form()] = "",
    id_number: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    key: Annotated[str, Form()] = "",
    files: Annotated[list[UploadFile] | None, File()] = None,
    kind: Annotated[str, Form()] = ApplicantKind.INDIVIDUAL.value,
    organisation_name: Annotated[str, Form()] = "",
    tax_code: Annotated[str, Form()] = "",
    rep_full_name: Annotated[str, Form()] = "",
    rep_id_number: Annotated[str, Form()] = "",
    rep_phone: Annotated[str, Form()] = "",
    rep_authorisation: Annotated[str, Form()] = "",
    notify_by: Annotated[list[str] | None, Form()] = None,
    language: Annotated[str, Form()] = Language.VI.value,
) -> Response:
    channels = notify_by or []
    signed_in = _citizen(request)
    if signed_in is not None:
        id_number = signed_in.id_number
    values = {
        "notify_by": ",".join(channels),
        "language": language,
        "procedure_code": procedure_code,
        "commune": commune,
        "full_name": full_name,
        "id_number": id_number,
        "phone": phone,
        "email": email,
        "address": address,
        "note": note,
        "key": key,
        "kind": kind,
        "organisation_name": organisation_name,
        "tax_code": tax_code,
        "rep_full_name": rep_full_name,
        "rep_id_number": rep_id_number,
        "rep_phone": rep_phone,
        "rep_authorisation": rep_authorisation,
    }
    representative = None
    if rep_full_name or rep_id_number or rep_authorisation:
        representative = {
            "full_name": rep_full_name,
            "id_number": rep_id_number,
            "phone": rep_phone or None,
            "authorisation": rep_authorisation,
        }
    try:
        procedure = next(
            (p for p in await current_procedures(session) if p.code == procedure_code), None
        )
        receiving = commune
        if procedure is not None and procedure.level is Level.PROVINCE:
            centres = [
                u for u in await list_units(session, "province") if u.kind == "service_centre"
            ]
            receiving = centres[0].code if centres else commune
        body = validated_body(
            DossierSubmission,
            {
                "procedure_code": procedure_code,
                "receiving_unit": receiving,
                "locality": commune or None,
                "channel": Channel.ONLINE,
                "applicant": {
                    "kind": kind,
                    "full_name": full_name,
                    "id_number": id_number,
                    "phone": phone,
                    "email": email or None,
                    "address": address or None,
                    "organisation_name": organisation_name or None,
                    "tax_code": tax_code or None,
                    "representative": representative,
                    "notify_by": channels,
                    "language": language,
                },
                "note": note or None,
            },
        )
        # The papers are checked before the dossier exists: a refused file refuses both.
        chosen = incoming([f for f in files or [] if f.filename])
        staged = await stage_all(resources.content, resources.settings, chosen)
        try:
            receipt = await dossiers.submit(
                session, resources.temporal, resources.settings, body, None, key or None, None
            )
            await tracking.first_papers(
                session, resources.content, resources.settings, receipt, staged
            )
        finally:
            for _, item in staged:
                item.discard()
    except PAGE_ERRORS as exc:
        return await _submit_page(request, session, values, messages_for(request, exc))
    return render(request, "submitted.html", receipt=receipt)


@router.get("/tra-cuu")
async def track_page(
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    code: str = "",
    secret: str = "",
    done: str = "",
) -> Response:
    if not code:
        return render(request, "track_form.html", code="", errors=[])
    try:
        row = await _look_up(request, session, resources, code.strip(), secret.strip())
    except PAGE_ERRORS as exc:
        return _refused(
            request,
            exc,
            render(request, "track_form.html", code=code, errors=messages_for(request, exc)),
        )
    return await _track_page(request, session, row, secret.strip(), done=done)


async def _track_page(
    request: Request,
    session: SessionDep,
    row: Row[Any],
    secret: str,
    *,
    done: str = "",
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    view = await tracking.view(session, row)
    procedure = await procedure_version(session, row.procedure_code, row.procedure_version)
    assert procedure is not None, "a dossier's procedure version is kept"
    gateway = payments.merchant(request.app.state.resources.settings)
    payable = gateway is not None and dossiers.fee_due(row)
    page = render(
        request,
        "track.html",
        status_code=status_code,
        view=view,
        secret=secret,
        done=done,
        errors=errors or [],
        papers=await tracking.document_views(session, row),
        papers_open=tracking.papers_open(row),
        required=procedure.required_documents,
        authorised=row.applicant.get("representative") is not None,
        document_forms=list(DocumentForm),
        suffix="?" + urlencode({"secret": secret}),
        payable=payable,
        fee_at_intake=row.status == DossierStatus.NEW,
        fee_amount=row.snapshot.get("payment_amount_vnd"),
        fee_paid=await payments.paid_order(session, row.code),
        **rating_context(),
    )
    if payable:
        assert gateway is not None
        page.headers["content-security-policy"] = csp_posting_to(gateway.gateway_url)
    return page


async def _look_up(
    request: Request, session: SessionDep, resources: Resources, code: str, secret: str
) -> Row[Any]:
    await tracking.count_look_up(session, resources.settings, client_address(request))
    return await tracking.find(session, resources.settings, code, secret)


def _refused(request: Request, exc: Exception, page: Response) -> Response:
    """The page of a refused look-up with the answer's own status: 429 and when to come
    back for too many attempts, 404 for a code and secret that do not match."""
    page.status_code = exc.status_code if isinstance(exc, ServiceError) else 404
    for name, value in (getattr(exc, "headers", None) or {}).items():
        page.headers[name] = value
    return page


@router.post("/tra-cuu/{code}/tai-lieu")
async def add_papers(
    request: Request,
    code: str,
    session: SessionDep,
    resources: ResourcesDep,
    files: Annotated[list[UploadFile], File()],
    secret: Annotated[str, Form()] = "",
    slot: Annotated[int, Form()] = OTHER_SLOT,
    form: Annotated[str, Form()] = DocumentForm.COPY.value,
) -> Response:
    try:
        row = await _look_up(request, session, resources, code, secret)
    except PAGE_ERRORS as exc:
        errors = messages_for(request, exc)
        return _refused(request, exc, render(request, "track_form.html", code=code, errors=errors))
    try:
        kind = validated_body(Attachment, {"slot": slot, "form": form})
        chosen = incoming([f for f in files if f.filename])
        await tracking.upload(
            session, resources.content, resources.settings, row, chosen, kind.slot, kind.form
        )
    except PAGE_ERRORS as exc:
        errors = messages_for(request, exc)
        return await _track_page(request, session, row, secret, errors=errors, status_code=422)
    query = urlencode({"code": code, "secret": secret, "done": "tai-lieu"})
    return RedirectResponse(f"/tra-cuu?{query}#giay-to", status_code=303)


@router.post("/tra-cuu/{code}/thanh-toan")
async def pay_online(
    request: Request,
    code: str,
    session: SessionDep,
    resources: ResourcesDep,
    secret: Annotated[str, Form()] = "",
) -> Response:
    """To the payment gateway, with the order of the fee now asked."""
    try:
        row = await _look_up(request, session, resources, code, secret)
        url = await payments.start(session, resources.settings, row, client_address(request))
    except PAGE_ERRORS as exc:
        return _refused(
            request, exc, render(request, "error.html", messages=messages_for(request, exc))
        )
    return RedirectResponse(url, status_code=303)


@router.post("/tra-cuu/{code}/{what}")
async def citizen_action(
    request: Request,
    code: str,
    what: str,
    session: SessionDep,
    resources: ResourcesDep,
    rating: Annotated[RatingForm, Depends(rating_form)],
    secret: Annotated[str, Form()] = "",
    documents: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    try:
        row = await _look_up(request, session, resources, code, secret)
        if what == "bo-sung":
            body = validated_body(SupplementSubmission, {"documents": lines(documents)})
            await tracking.supplement(session, resources.temporal, row, body)
        elif what == "danh-gia":
            await tracking.feedback(session, resources.settings, row, rating.validated())
        elif what == "rut-ho-so":
            reasoned = validated_body(ReasonedCommand, {"reason": reason})
            await tracking.withdraw(session, resources.temporal, row, reasoned)
        else:
            return render(request, "error.html", status_code=404, messages=[])
    except PAGE_ERRORS as exc:
        errors = messages_for(request, exc)
        try:
            row = await tracking.find(session, resources.settings, code, secret)
        except PAGE_ERRORS as again:
            return _refused(
                request, again, render(request, "track_form.html", code=code, errors=errors)
            )
        return await _track_page(request, session, row, secret, errors=errors, status_code=409)
    query = urlencode({"code": code, "secret": secret, "done": what})
    return RedirectResponse(f"/tra-cuu?{query}", status_code=303)


@router.get("/tra-cuu/{code}/thanh-toan/ket-qua")
async def paid_back(
    request: Request, code: str, session: SessionDep, resources: ResourcesDep, secret: str = ""
) -> Response:
    """The citizen back from the gateway: what it says, if it is the gateway's word (the
    payment itself is recorded by the gateway's notification, not by this page)."""
    fields = {k: v for k, v in request.query_params.items() if k.startswith("vnp_")}
    outcome = payments.returned(resources.settings, fields)
    try:
        row = await _look_up(request, session, resources, code, secret)
    except PAGE_ERRORS as exc:
        return _refused(
            request, exc, render(request, "error.html", messages=messages_for(request, exc))
        )
    done = {True: "da-thanh-toan", False: "chua-thanh-toan", None: "khong-xac-thuc"}[outcome]
    return await _track_page(request, session, row, secret, done=done)


@router.get("/tra-cuu/{code}/bien-lai.pdf")
async def fee_receipt(
    request: Request, code: str, session: SessionDep, resources: ResourcesDep, secret: str = ""
) -> Response:
    """The electronic receipt of a fee paid online, sealed by the unit."""

    async def receipt(row: Row[Any]) -> FormPdf:
        return await payments.receipt(session, resources.settings, row, resources.signing)

    return await _citizen_pdf(request, session, resources, code, secret, receipt)


@router.get("/tra-cuu/{code}/mau-{form}.pdf")
async def form_pdf(
    request: Request,
    code: str,
    form: FormKind,
    session: SessionDep,
    resources: ResourcesDep,
    secret: str = "",
) -> Response:
    """Any form the applicant was issued (01–05), opened from the tracking page."""

    async def issued(row: Row[Any]) -> FormPdf:
        return await tracking.issued_form(session, row, form, resources.signing)

    return await _citizen_pdf(request, session, resources, code, secret, issued)


@router.get("/tra-cuu/{code}/giay-tiep-nhan.pdf")
async def receipt_pdf(
    request: Request, code: str, session: SessionDep, resources: ResourcesDep, secret: str = ""
) -> Response:
    async def receipt(row: Row[Any]) -> FormPdf:
        return await tracking.receipt(session, row, resources.signing)

    return await _citizen_pdf(request, session, resources, code, secret, receipt)


async def _citizen_pdf(
    request: Request,
    session: SessionDep,
    resources: Resources,
    code: str,
    secret: str,
    make: Callable[[Row[Any]], Awaitable[FormPdf]],
) -> Response:
    """A PDF the applicant holds, found with the code and secret; or the page saying why
    not."""
    try:
        row = await _look_up(request, session, resources, code, secret)
        return pdf_response(await make(row))
    except PAGE_ERRORS as exc:
        return _refused(
            request, exc, render(request, "error.html", messages=messages_for(request, exc))
        )
