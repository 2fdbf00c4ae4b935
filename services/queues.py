"""Work queues: what a unit holds, for whom, due when; and reassignment in bulk.

Lists read the projection only, on the (holder_unit, due_at) index, so a unit's page stays
fast however many dossiers the province holds.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import TypeAdapter, ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from db.models import DossierRow
from db.queues import QueueFilter, SearchFilter, queue_page, search_page
from db.reference import get_unit
from db.search import fold
from motcua.settings import Settings
from schemas.actions import Reassignment
from schemas.bulk import BulkReassignRequest, BulkResult
from schemas.dossier import Phone
from schemas.lifecycle import Role
from schemas.queues import QueueItem, QueuePage, SearchPage
from schemas.status import DossierStatus as S
from schemas.status import SubState as T
from schemas.users import StaffUser
from schemas.views import StatusInfo
from services.access import check_unit, province_wide
from services.broadcast import signal_each
from services.calendar import working_calendar
from services.errors import FieldError, NotFound
from workflows.dossier import DossierWorkflow


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


def _sub_states(role: QueueRole) -> list[str]:
    return [s.value for s in _ROLE_SUB_STATES[role]]


@dataclass(frozen=True)
class QueueQuery:
    role: QueueRole | None = None
    status: list[S] | None = None
    procedure: str | None = None
    assignee: str | None = None
    mine: bool = False
    due_within_hours: float | None = None
    overdue: bool | None = None
    page: int = 1
    size: int = 50


async def queue(
    session: AsyncSession, settings: Settings, user: StaffUser, unit: str, query: QueueQuery
) -> QueuePage:
    check_unit(user, unit)
    if await get_unit(session, unit) is None:
        raise NotFound(f"Không có đơn vị «{unit}».", f"No unit '{unit}'.")
    now = datetime.now(UTC)
    due_before = None
    if query.due_within_hours is not None:
        calendar = await working_calendar(session, settings)
        due_before = calendar.add_working_hours(now, query.due_within_hours)
    total, rows = await queue_page(
        session,
        QueueFilter(
            unit=unit,
            now=now,
            sub_states=None
            if query.role is None
            else [s.value for s in _ROLE_SUB_STATES[query.role]],
            statuses=[int(s) for s in query.status] if query.status else None,
            procedure=query.procedure,
            assignee=user.username if query.mine else query.assignee,
            due_before=due_before,
            overdue=query.overdue,
            page=query.page,
            size=query.size,
        ),
    )
    return QueuePage(
        unit=unit,
        total=total,
        page=query.page,
        size=query.size,
        items=[_item(row, now) for row in rows],
    )


def _item(row: DossierRow, now: datetime) -> QueueItem:
    return QueueItem(
        code=row.code,
        procedure_code=row.procedure_code,
        status=StatusInfo.of(S(row.status)),
        sub_state=row.sub_state,
        applicant_name=str(row.applicant.get("organisation_name") or row.applicant_name),
        assignee=row.assignee,
        submitted_at=row.submitted_at,
        due_at=row.due_at,
        overdue=row.due_at is not None and row.due_at < now,
    )


async def search(
    session: AsyncSession, user: StaffUser, q: str, page: int = 1, size: int = 50
) -> SearchPage:
    """Dossiers in the searcher's scope by code, applicant's or organisation's name (marks
    ignored: "nguyen van an" finds "Nguyễn Văn An"), ID number, tax code or phone."""
    text = " ".join(q.split())
    if len(text) < 2:
        raise FieldError(
            ("query", "q"),
            "query_too_short",
            "Nhập ít nhất 2 ký tự: mã hồ sơ, họ tên, số định danh, mã số thuế hoặc số điện thoại.",
            "Type at least 2 characters: a dossier code, name, ID number, tax code or phone.",
        )
    digits = re.sub(r"[\s.\-]", "", text)
    try:
        phone: str | None = TypeAdapter(Phone).validate_python(text)
    except ValidationError:
        phone = None
    total, rows = await search_page(
        session,
        SearchFilter(
            units=None if province_wide(user) else [user.unit],
            code=text,
            folded_name=fold(text),
            digits=digits if digits.isdigit() else "",
            phone=phone,
            page=page,
            size=size,
        ),
    )
    now = datetime.now(UTC)
    return SearchPage(
        query=text, total=total, page=page, size=size, items=[_item(r, now) for r in rows]
    )


async def bulk_reassign(
    session: AsyncSession, temporal: Client, user: StaffUser, unit: str, body: BulkReassignRequest
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

    async def send(client: Client, code: str) -> None:
        handle = client.get_workflow_handle_for(DossierWorkflow.run, code)
        await handle.execute_update(DossierWorkflow.reassign, command)

    reached = await signal_each(temporal, codes, send)
    return BulkResult(matched=reached, codes=codes[:100])
