"""The working calendar: overrides maintained by administrators, and a due-date calculator.

An override reaches every open dossier whose dates it can move: each recomputes its clocks
and its pending timer moves with them.
"""

from datetime import UTC, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query
from sqlalchemy import delete, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.auth import CurrentUser
from api.deps import Resources, ResourcesDep, SessionDep
from api.routing import api_router
from db.calendar import list_overrides
from db.models import CalendarOverrideRow, DossierRow
from db.upsert import insert_for, table_of
from schemas.bounds import Day, Instant
from schemas.calendar import CalendarChange, CalendarOverride, DueAnswer, OverrideResult
from schemas.procedure import SAME_DAY_CUTOFF, LocalTime, TimeLimit, TimeUnit
from schemas.status import DossierStatus
from services.access import check_admin
from services.broadcast import signal_each
from services.calendar import working_calendar
from services.errors import NotFound
from services.transaction import commit_now
from workflows.dossier import DossierWorkflow

router = api_router(prefix="/calendar", tags=["calendar"])


@router.get("/overrides", response_model=list[CalendarOverride])
async def overrides(session: SessionDep) -> list[CalendarOverride]:
    return [
        CalendarOverride.model_validate(row, from_attributes=True)
        for row in await list_overrides(session)
    ]


@router.put(
    "/overrides/{day}",
    response_model=OverrideResult,
    summary="Declare a day off (a late holiday) or a make-up working day",
)
async def set_override(
    day: Day,
    body: CalendarOverride,
    session: SessionDep,
    resources: ResourcesDep,
    user: CurrentUser,
) -> OverrideResult:
    check_admin(user)
    body = body.model_copy(update={"day": day, "created_by": user.username})
    table = table_of(CalendarOverrideRow)
    values = {**body.model_dump(), "created_at": datetime.now(UTC)}
    await session.exec(
        insert_for(session, CalendarOverrideRow)
        .values(**values)
        .on_conflict_do_update(
            index_elements=[table.c.day],
            set_={k: v for k, v in values.items() if k != "day"},
        )
    )
    # Committed before any dossier is told, so each recomputes on the new calendar.
    await commit_now(session)
    change = CalendarChange(**body.model_dump())
    touched = await _recompute_open_dossiers(session, resources, change)
    return OverrideResult(override=body, dossiers_recomputed=touched)


@router.delete(
    "/overrides/{day}", response_model=OverrideResult, summary="Remove a calendar override"
)
async def remove_override(
    day: Day, session: SessionDep, resources: ResourcesDep, user: CurrentUser
) -> OverrideResult:
    check_admin(user)
    result = await session.exec(
        delete(CalendarOverrideRow).where(col(CalendarOverrideRow.day) == day)
    )
    await commit_now(session)
    if result.rowcount == 0:
        raise NotFound(
            f"Không có điều chỉnh lịch cho ngày {day:%d/%m/%Y}.", f"No calendar override on {day}."
        )
    change = CalendarChange(
        day=day,
        kind=None,
        reason=f"Hủy điều chỉnh lịch làm việc ngày {day:%d/%m/%Y}",
        created_by=user.username,
    )
    touched = await _recompute_open_dossiers(session, resources, change)
    return OverrideResult(override=None, dossiers_recomputed=touched)


@router.get("/due", response_model=DueAnswer, summary="When a dossier received now would be due")
async def due(
    session: SessionDep,
    resources: ResourcesDep,
    value: float = Query(ge=0, le=365),
    unit: TimeUnit = TimeUnit.WORKING_DAYS,
    start: Instant | None = None,
    cutoff: Annotated[
        LocalTime | None,
        Query(
            description="Same-day procedures: received after this, due the next working day "
            "(default 15:00, DOMAIN's same-day rule)"
        ),
    ] = None,
) -> DueAnswer:
    calendar = await working_calendar(session, resources.settings)
    moment = start or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(resources.settings.timezone))
    if unit is TimeUnit.SAME_DAY and cutoff is None:
        cutoff = SAME_DAY_CUTOFF
    result = calendar.due(moment, TimeLimit(value=value, unit=unit, cutoff=cutoff))
    return DueAnswer(**result.model_dump())


async def _recompute_open_dossiers(
    session: AsyncSession, resources: Resources, change: CalendarChange
) -> int:
    """Signal each open, accepted dossier whose dates the changed day can move."""
    tz = ZoneInfo(resources.settings.timezone)
    day_start = datetime.combine(change.day, time.min, tz)
    paused = [int(DossierStatus.SUPPLEMENT_REQUESTED), int(DossierStatus.FINANCIAL_OBLIGATION)]
    codes = (
        await session.exec(
            select(DossierRow.code).where(
                col(DossierRow.closed_at).is_(None),
                col(DossierRow.accepted_at).is_not(None),
                col(DossierRow.accepted_at) < day_start + timedelta(days=1),
                or_(col(DossierRow.due_at) >= day_start, col(DossierRow.status).in_(paused)),
            )
        )
    ).all()

    async def send(temporal: Client, code: str) -> None:
        handle = temporal.get_workflow_handle_for(DossierWorkflow.run, code)
        await handle.signal(DossierWorkflow.calendar_changed, change)

    return await signal_each(resources.temporal, list(codes), send)
