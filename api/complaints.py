"""Complaints and petitions over HTTP: anyone files one; the owner unit answers; staff list
the open ones; the published answers are public."""

from fastapi import Depends

from api.auth import CurrentUser
from api.deps import ResourcesDep, SessionDep
from api.dossiers import IdempotencyKey
from api.routing import api_router
from api.tracking import rate_limited
from schemas.complaints import ComplaintAnswer, ComplaintSubmission, ComplaintView
from services import complaints

router = api_router(prefix="/complaints", tags=["complaints"])


@router.post(
    "",
    response_model=ComplaintView,
    status_code=201,
    dependencies=[Depends(rate_limited)],
    summary="File a complaint or petition (Gửi phản ánh, kiến nghị)",
)
async def file_complaint(
    body: ComplaintSubmission,
    session: SessionDep,
    resources: ResourcesDep,
    idempotency_key: IdempotencyKey = None,
) -> ComplaintView:
    return await complaints.file(
        session, resources.temporal, resources.settings, body, idempotency_key
    )


@router.get(
    "/published",
    response_model=list[ComplaintView],
    summary="Answered complaints the units published",
)
async def published(session: SessionDep) -> list[ComplaintView]:
    return await complaints.published(session)


@router.get(
    "/open", response_model=list[ComplaintView], summary="Open complaints in the person's scope"
)
async def open_complaints(session: SessionDep, user: CurrentUser) -> list[ComplaintView]:
    return await complaints.open_and_late(session, user)


@router.get(
    "/{code}",
    response_model=ComplaintView,
    dependencies=[Depends(rate_limited)],
    summary="A complaint's status and, once published, its answer",
)
async def complaint(code: str, session: SessionDep) -> ComplaintView:
    return await complaints.view(session, code, public=True)


@router.post("/{code}/answer", response_model=ComplaintView, summary="Answer a complaint (Trả lời)")
async def answer(
    code: str,
    body: ComplaintAnswer,
    session: SessionDep,
    resources: ResourcesDep,
    user: CurrentUser,
) -> ComplaintView:
    return await complaints.answer(
        session, resources.temporal, resources.settings, user, code, body
    )
