"""Work queues: what a unit holds, for whom, due when; and reassignment in bulk.

Lists read the projection only, on the (holder_unit, due_at) index, so a unit's page stays
fast however many dossiers the province holds.
"""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from sqlmodel import col, select
from temporalio.client import Client

from api.auth import CurrentUser
from api.broadcast import signal_each
from api.calendar import working_calendar
from api.deps import ResourcesDep, SessionDep
from api.routing import api_router
from db.models import DossierRow
from db.queues import QueueFilter, queue_page
from db.reference import get_unit
from schemas.actions import Reassignment
from schemas.bulk import BulkReassignRequest, BulkResult
from schemas.lifecycle import Role
from schemas.queues import QueueItem, QueuePage
from schemas.status import DossierStatus as S
from schemas.status import SubState as T
from schemas.views import StatusInfo
from services.access import check_unit
from services.errors import NotFound
from workflows.dossier import DossierWorkflow

router = api_router(prefix="/queues", tags=["work queues"])


class QueueRole(StrEnum):
    CLERK = "clerk"
    OFFICER = "officer"
    LEADER = "leader"


# What each role works on while the dossier is at its unit.
_ROLE_SUB_STATES: dict[QueueRole, list[T]] = {
    QueueRole.CLERK: [
        T.AWAITING_RECEIPT,
        T.AWAITING_TRANSFER,
        T.AWAITING_SUPPLEMENT,
        T.AWAITING_STOP_NOTICE,
        T.AWAITING_RETURN,
    ],
    QueueRole.OFFICER: [
        T.IN_APPRAISAL,
        T.IN_CONSULTATION,
        T.IN_VERIFICATION,
        T.SIGNED,
        T.AWAITING_PAYMENT,
    ],
    QueueRole.LEADER: [T.AWAITING_ASSIGNMENT, T.AWAITING_SIGNATURE],
}
_REASSIGNABLE = [T.IN_APPRAISAL, T.IN_CONSULTATION, T.IN_VERIFICATION, T.AWAITING_SIGNATURE]


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
    check_unit(user, unit)
    if await get_unit(session, unit) is None:
        raise NotFound(f"Không có đơn vị «{unit}».", f"No unit '{unit}'.")
    now = datetime.now(UTC)
    due_before = None
    if due_within_hours is not None:
        calendar = await working_calendar(session, resources.settings)
        due_before = calendar.add_working_hours(now, due_within_hours)
    total, rows = await queue_page(
        session,
        QueueFilter(
            unit=unit,
            now=now,
            sub_states=None if role is None else [s.value for s in _ROLE_SUB_STATES[role]],
            statuses=[int(s) for s in status] if status else None,
            procedure=procedure,
            assignee=user.username if mine else assignee,
            due_before=due_before,
            overdue=overdue,
            page=page,
            size=size,
        ),
    )
    return QueuePage(
        unit=unit,
        total=total,
        page=page,
        size=size,
        items=[
            QueueItem(
                code=row.code,
                procedure_code=row.procedure_code,
                status=StatusInfo.of(S(row.status)),
                sub_state=row.sub_state,
                applicant_name=row.applicant_name,
                assignee=row.assignee,
                submitted_at=row.submitted_at,
                due_at=row.due_at,
                overdue=row.due_at is not None and row.due_at < now,
            )
            for row in rows
        ],
    )


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
    check_unit(user, unit, Role.LEADER)
    codes = list(
        (
            await session.exec(
                select(DossierRow.code)
                .where(
                    DossierRow.holder_unit == unit,
                    DossierRow.assignee == body.from_officer,
                    col(DossierRow.sub_state).in_([s.value for s in _REASSIGNABLE]),
                )
                .order_by(col(DossierRow.code))
            )
        ).all()
    )
    command = Reassignment(
        actor=user.username, actor_unit=user.unit, officer=body.to_officer, reason=body.reason
    )

    async def send(temporal: Client, code: str) -> None:
        handle = temporal.get_workflow_handle_for(DossierWorkflow.run, code)
        await handle.execute_update(DossierWorkflow.reassign, command)

    reached = await signal_each(resources.temporal, codes, send)
    return BulkResult(matched=reached, codes=codes[:100])
