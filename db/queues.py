"""The work-queue query: a unit's open dossiers, filtered, soonest due first, in pages."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, nulls_last, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import DossierRow


@dataclass(frozen=True)
class QueueFilter:
    unit: str
    now: datetime
    sub_states: list[str] | None = None
    statuses: list[int] | None = None
    procedure: str | None = None
    assignee: str | None = None
    due_before: datetime | None = None
    overdue: bool | None = None
    page: int = 1
    size: int = 50


async def queue_page(session: AsyncSession, f: QueueFilter) -> tuple[int, list[DossierRow]]:
    # holder_unit + closed_at IS NULL matches the partial index ix_dossier_open_holder_due.
    statement = select(DossierRow).where(
        DossierRow.holder_unit == f.unit, col(DossierRow.closed_at).is_(None)
    )
    if f.sub_states is not None:
        statement = statement.where(col(DossierRow.sub_state).in_(f.sub_states))
    if f.statuses:
        statement = statement.where(col(DossierRow.status).in_(f.statuses))
    if f.procedure:
        statement = statement.where(DossierRow.procedure_code == f.procedure)
    if f.assignee:
        statement = statement.where(DossierRow.assignee == f.assignee)
    if f.due_before is not None:
        statement = statement.where(col(DossierRow.due_at) <= f.due_before)
    if f.overdue is not None:
        late = col(DossierRow.due_at) < f.now
        statement = statement.where(late if f.overdue else ~late | col(DossierRow.due_at).is_(None))
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(
        statement.order_by(nulls_last(col(DossierRow.due_at).asc()), col(DossierRow.code))
        .offset((f.page - 1) * f.size)
        .limit(f.size)
    )
    return int(total), list(rows)


@dataclass(frozen=True)
class SearchFilter:
    """What the counter typed, read every way it could be meant; `units` is the searcher's
    scope (None: the whole province)."""

    units: list[str] | None
    code: str
    folded_name: str
    digits: str
    phone: str | None
    page: int = 1
    size: int = 50


async def search_page(session: AsyncSession, f: SearchFilter) -> tuple[int, list[DossierRow]]:
    matches: list[ColumnElement[bool]] = [col(DossierRow.code).ilike(f"{_like(f.code)}%")]
    if len(f.folded_name) >= 2:
        # Matched on the trigram index (ix_dossier_applicant_search).
        matches.append(col(DossierRow.applicant_search).like(f"%{_like(f.folded_name)}%"))
    matches.append(col(DossierRow.applicant_tax_code) == f.code)
    if f.digits:
        matches.append(col(DossierRow.applicant_id_number) == f.digits)
    if f.phone:
        matches.append(col(DossierRow.applicant_phone) == f.phone)
    statement = select(DossierRow).where(or_(*matches))
    if f.units is not None:
        statement = statement.where(
            or_(
                col(DossierRow.receiving_unit).in_(f.units),
                col(DossierRow.competent_authority).in_(f.units),
                col(DossierRow.returning_unit).in_(f.units),
                col(DossierRow.holder_unit).in_(f.units),
            )
        )
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(
        statement.order_by(col(DossierRow.submitted_at).desc(), col(DossierRow.code))
        .offset((f.page - 1) * f.size)
        .limit(f.size)
    )
    return int(total), list(rows)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
