"""Citizens' tracking over HTTP: the code in the path, the secret in a header (or the
receipt's link); the rules are in `services.tracking`."""

from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import Row

from api.clients import client_address
from api.deps import ResourcesDep, SessionDep
from api.documents import Files, Kind, Slot, incoming, streamed
from api.routing import api_router, pdf_response
from schemas.actions import ReasonedCommand, SupplementSubmission
from schemas.citizen import FeedbackSubmission, TrackingView
from schemas.documents import OTHER_SLOT, AccessKind, DocumentForm, DocumentView
from schemas.dossier import FormKind
from services import tracking

router = api_router(prefix="/track", tags=["citizen tracking"])


async def rate_limited(request: Request, session: SessionDep, resources: ResourcesDep) -> None:
    await tracking.count_look_up(session, resources.settings, client_address(request))


Secret = Annotated[
    str | None,
    Header(alias="X-Tracking-Secret", max_length=40, description="The secret on the receipt"),
]
SecretQuery = Annotated[str | None, Query(alias="secret", max_length=40)]


async def tracked_dossier(
    code: str,
    session: SessionDep,
    resources: ResourcesDep,
    secret: Secret = None,
    secret_query: SecretQuery = None,
) -> Row[Any]:
    return await tracking.find(session, resources.settings, code, secret or secret_query or "")


Tracked = Annotated[Row[Any], Depends(tracked_dossier)]


@router.get(
    "/{code}",
    response_model=TrackingView,
    dependencies=[Depends(rate_limited)],
    summary="Track a dossier (Tra cứu hồ sơ) with the secret on the receipt",
)
async def track(row: Tracked, session: SessionDep) -> TrackingView:
    return await tracking.view(session, row)


@router.get(
    "/{code}/receipt",
    response_class=Response,
    dependencies=[Depends(rate_limited)],
    summary="The receipt (Form 01) as PDF, for the applicant",
    responses={200: {"content": {"application/pdf": {}}}},
)
async def receipt(row: Tracked, session: SessionDep, resources: ResourcesDep) -> Response:
    return pdf_response(await tracking.receipt(session, row, resources.signing))


@router.get(
    "/{code}/forms/{form}",
    response_class=Response,
    dependencies=[Depends(rate_limited)],
    summary="An official form issued to the applicant (Forms 01–05) as PDF",
    responses={200: {"content": {"application/pdf": {}}}},
)
async def issued_form(
    row: Tracked, form: FormKind, session: SessionDep, resources: ResourcesDep
) -> Response:
    return pdf_response(await tracking.issued_form(session, row, form, resources.signing))


@router.post(
    "/{code}/supplement",
    response_model=TrackingView,
    dependencies=[Depends(rate_limited)],
    summary="Submit the requested supplement",
)
async def supplement(
    row: Tracked, body: SupplementSubmission, session: SessionDep, resources: ResourcesDep
) -> TrackingView:
    return await tracking.supplement(session, resources.temporal, row, body)


@router.post(
    "/{code}/withdraw",
    response_model=TrackingView,
    dependencies=[Depends(rate_limited)],
    summary="Withdraw the dossier (Rút hồ sơ)",
)
async def withdraw(
    row: Tracked, body: ReasonedCommand, session: SessionDep, resources: ResourcesDep
) -> TrackingView:
    return await tracking.withdraw(session, resources.temporal, row, body)


@router.post(
    "/{code}/feedback",
    response_model=TrackingView,
    dependencies=[Depends(rate_limited)],
    summary="Rate the service and, if need be, complain (Đánh giá, phản ánh)",
)
async def feedback(
    row: Tracked, body: FeedbackSubmission, session: SessionDep, resources: ResourcesDep
) -> TrackingView:
    return await tracking.feedback(session, resources.settings, row, body)


@router.post(
    "/{code}/documents",
    response_model=list[DocumentView],
    status_code=201,
    dependencies=[Depends(rate_limited)],
    summary="Add papers (Nộp giấy tờ): while the dossier is new, or for a supplement",
)
async def upload(
    row: Tracked,
    files: Files,
    session: SessionDep,
    resources: ResourcesDep,
    slot: Slot = OTHER_SLOT,
    form: Kind = DocumentForm.COPY,
) -> list[DocumentView]:
    return await tracking.upload(
        session, resources.content, resources.settings, row, incoming(files), slot, form
    )


@router.get(
    "/{code}/documents",
    response_model=list[DocumentView],
    dependencies=[Depends(rate_limited)],
    summary="The papers of the dossier, every version",
)
async def document_list(row: Tracked, session: SessionDep) -> list[DocumentView]:
    return await tracking.document_views(session, row)


@router.get(
    "/{code}/documents/{document_id}",
    response_class=StreamingResponse,
    dependencies=[Depends(rate_limited)],
    summary="One paper's content, inline or as a download",
)
async def document(
    row: Tracked,
    document_id: str,
    session: SessionDep,
    resources: ResourcesDep,
    download: bool = False,
) -> StreamingResponse:
    kind = AccessKind.DOWNLOAD if download else AccessKind.VIEW
    found, stream = await tracking.open_document(session, resources.content, row, document_id, kind)
    return streamed(found, stream, kind)
