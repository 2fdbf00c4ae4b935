"""Work queues over HTTP; the rules are in `services.queues`."""

from typing import Annotated

from fastapi import Query

from api.auth import CurrentUser
from api.deps import ResourcesDep, SessionDep
from api.routing import api_router
from schemas.bulk import BulkReassignRequest, BulkResult
from schemas.queues import QueuePage
from schemas.status import DossierStatus as S
from services import queues
from services.queues import QueueQuery, QueueRole

router = api_router(prefix="/queues", tags=["work queues"])


@router.get("/{unit}", response_model=QueuePage, summary="A unit's queue, soonest due first")
async def queue(
    unit: str,
    session: SessionDep,
    resources: ResourcesDep,
    user: CurrentUser,
    role: QueueRole | None = None,
    status: Annotated[list[S] | None, Query()] = None,
    procedure: str | None = None,
    assignee: str | None = None,
    mine: Annotated[bool, Query(description="only the dossiers assigned to me")] = False,
    due_within_hours: Annotated[float | None, Query(gt=0, le=2000)] = None,
    overdue: bool | None = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> QueuePage:
    query = QueueQuery(
        role, status, procedure, assignee, mine, due_within_hours, overdue, page, size
    )
    return await queues.queue(session, resources.settings, user, unit, query)


@router.post(
    "/{unit}/reassign",
    response_model=BulkResult,
    summary="Hand every dossier of one officer to another (leave, transfer)",
)
async def bulk_reassign(
    unit: str,
    body: BulkReassignRequest,
    session: SessionDep,
    resources: ResourcesDep,
    user: CurrentUser,
) -> BulkResult:
    return await queues.bulk_reassign(session, resources.temporal, user, unit, body)
