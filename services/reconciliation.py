"""Local and portal status side by side, per dossier, with every mismatch and its cause:
the province's evidence when a score computed from the portal's data is disputed. The
comparison and the daily report are made in db/reconciliation.py; this is who may read
them."""

from datetime import date, datetime

from pydantic import BaseModel
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db import portal
from db.models import PortalReconciliationRow
from db.reconciliation import Mismatch, Reconciliation, as_csv, compared
from schemas.users import StaffUser
from services.access import province_wide
from services.errors import Forbidden, NotFound
from services.supervision import scope_of

__all__ = ["DailyReconciliation", "Mismatch", "Reconciliation", "as_csv", "reconcile"]


async def reconcile(session: AsyncSession, user: StaffUser) -> Reconciliation:
    scope = scope_of(user)
    return compared(await portal.reconciliation_rows(session, None if scope is None else [scope]))


class DailyReconciliation(BaseModel):
    day: date
    made_at: datetime
    dossiers: int
    in_step: int
    mismatches: int


def _province_only(user: StaffUser) -> None:
    if not province_wide(user):
        raise Forbidden(
            "Chỉ giám sát viên cấp tỉnh được xem báo cáo đối soát hằng ngày.",
            "Only the province's supervisors see the daily reconciliation reports.",
        )


async def daily_reports(
    session: AsyncSession, user: StaffUser, limit: int = 31
) -> list[DailyReconciliation]:
    """The kept reports, newest first."""
    _province_only(user)
    rows = await session.exec(
        select(PortalReconciliationRow)
        .order_by(col(PortalReconciliationRow.day).desc())
        .limit(limit)
    )
    return [DailyReconciliation.model_validate(r, from_attributes=True) for r in rows]


async def daily_csv(session: AsyncSession, user: StaffUser, day: date) -> str:
    _province_only(user)
    row = await session.get(PortalReconciliationRow, day)
    if row is None:
        raise NotFound(
            f"Không có báo cáo đối soát ngày {day:%d/%m/%Y}.",
            f"No reconciliation report for {day:%Y-%m-%d}.",
        )
    return row.csv
