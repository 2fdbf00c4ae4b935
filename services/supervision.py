"""Supervisors' figures: overdue and at-risk dossiers across units, and the 766 statistics.

Province-wide supervisors and administrators see every unit; a commune's supervisor and
the leaders of a unit see their own unit.
"""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db import ratings
from db.models import DossierRow, OrgUnitRow
from db.statistics import GroupBy, unit_reports
from motcua.settings import Settings
from schemas.lifecycle import Role
from schemas.supervision import RiskItem, RiskPage, StatisticsReport, UnitStatistics
from schemas.users import StaffUser
from schemas.views import SatisfactionLine, SatisfactionReport
from services.access import province_wide
from services.calendar import working_calendar
from services.errors import FieldError, Forbidden

ANY_RUNG = "any"


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise FieldError(
            ("query", "end"),
            "value_error",
            "Ngày kết thúc không được trước ngày bắt đầu.",
            "The end must not be before the start.",
        )


def scope_of(user: StaffUser) -> str | None:
    """None: every unit; otherwise the one unit the user may look at."""
    if province_wide(user):
        return None
    if user.role in (Role.SUPERVISOR, Role.LEADER):
        return user.unit
    raise Forbidden(
        "Chỉ giám sát viên và lãnh đạo đơn vị được xem số liệu giám sát.",
        "Only supervisors and heads of unit see supervision figures.",
    )


def _open_dossiers(unit: str | None, procedure: str | None, level: str | None) -> Any:
    statement = select(DossierRow).where(
        col(DossierRow.finished_at).is_(None),
        col(DossierRow.closed_at).is_(None),
        col(DossierRow.due_at).is_not(None),
    )
    if unit is not None:
        statement = statement.where(
            or_(
                col(DossierRow.holder_unit) == unit,
                col(DossierRow.competent_authority) == unit,
                col(DossierRow.receiving_unit) == unit,
            )
        )
    if procedure is not None:
        statement = statement.where(DossierRow.procedure_code == procedure)
    if level is not None:
        statement = statement.join(
            OrgUnitRow, col(OrgUnitRow.code) == col(DossierRow.holder_unit)
        ).where(OrgUnitRow.level == level)
    return statement


@dataclass(frozen=True)
class RiskQuery:
    """Overdue dossiers when `rung` is None; otherwise those not yet late that a rung of the
    ladder warned about (`ANY_RUNG`, or one rung by name)."""

    rung: str | None = None
    unit: str | None = None
    procedure: str | None = None
    level: str | None = None
    size: int = 50


async def risk_page(
    session: AsyncSession, settings: Settings, user: StaffUser, query: RiskQuery
) -> RiskPage:
    unit, rung = scope_of(user) or query.unit, query.rung
    now = datetime.now(UTC)
    statement = _open_dossiers(unit, query.procedure, query.level)
    if rung is None:
        statement = statement.where(col(DossierRow.due_at) < now)
    else:
        statement = statement.where(col(DossierRow.due_at) >= now)
        statement = statement.where(
            col(DossierRow.last_rung).is_not(None)
            if rung == ANY_RUNG
            else DossierRow.last_rung == rung
        )
    rows = list(await session.exec(statement.order_by(col(DossierRow.due_at)).limit(query.size)))
    calendar = await working_calendar(session, settings)
    return RiskPage(
        items=[
            RiskItem(
                code=row.code,
                procedure_code=row.procedure_code,
                status=int(row.status),
                holder_unit=row.holder_unit,
                assignee=row.assignee,
                competent_authority=row.competent_authority,
                due_at=row.due_at,
                last_rung=row.last_rung,
                working_hours_late=round(calendar.working_hours_between(row.due_at, now), 2)
                if row.due_at is not None and row.due_at < now
                else 0.0,
                time_url=f"/api/v1/dossiers/{row.code}/time",
            )
            for row in rows
        ]
    )


async def statistics(
    session: AsyncSession, settings: Settings, user: StaffUser, start: date, end: date, by: GroupBy
) -> StatisticsReport:
    _check_period(start, end)
    tz = ZoneInfo(settings.timezone)
    reports = await unit_reports(session, start, end + timedelta(days=1), tz, by, scope_of(user))
    units = [
        UnitStatistics(
            **{**vars(r), "received": {str(k): v for k, v in r.received.items()}},
            indicators=r.indicators(),
        )
        for r in reports
    ]
    return StatisticsReport(start=start, end=end, by=by, units=units)


_CSV_COLUMNS = [
    ("unit", "Đơn vị"),
    ("carried_over", "Kỳ trước chuyển sang"),
    ("received_1", "Tiếp nhận trực tiếp"),
    ("received_2", "Tiếp nhận trực tuyến"),
    ("received_3", "Tiếp nhận qua bưu chính"),
    ("finished_early", "Giải quyết trước hạn"),
    ("finished_on_time", "Giải quyết đúng hạn"),
    ("finished_late", "Giải quyết quá hạn"),
    ("in_progress_within_deadline", "Đang giải quyết trong hạn"),
    ("in_progress_overdue", "Đang giải quyết quá hạn"),
    ("paused", "Tạm dừng chờ bổ sung"),
    ("refused", "Từ chối"),
    ("withdrawn", "Rút hồ sơ"),
    ("2.1", "Chỉ số 2.1 (%)"),
    ("2.2", "Chỉ số 2.2 (ngày)"),
    ("3.3", "Chỉ số 3.3 (%)"),
    ("3.6", "Chỉ số 3.6 (%)"),
    ("4.1", "Chỉ số 4.1 (%)"),
    ("4.2", "Chỉ số 4.2 (%)"),
    ("5.4", "Chỉ số 5.4 (%)"),
]


def as_csv(result: StatisticsReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([title for _, title in _CSV_COLUMNS])
    for unit in result.units:
        values = {
            **unit.model_dump(),
            **{f"received_{k}": v for k, v in unit.received.items()},
            **unit.indicators,
        }
        writer.writerow(["" if values.get(key) is None else values[key] for key, _ in _CSV_COLUMNS])
    return "\ufeff" + buffer.getvalue()  # a BOM, so spreadsheet programs read Vietnamese right


async def satisfaction(
    session: AsyncSession, settings: Settings, user: StaffUser, start: date, end: date
) -> SatisfactionReport:
    """Ratings per unit and per counter clerk, each unit's total first: how many, the share
    satisfied, the mean of each official criterion, and complaints."""
    _check_period(start, end)
    tz = ZoneInfo(settings.timezone)
    since = datetime.combine(start, time.min, tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tz)
    rows = await ratings.by_unit_and_clerk(session, since, until, scope_of(user))
    lines: list[SatisfactionLine] = []
    for unit in dict.fromkeys(r.unit for r in rows):
        mine = [r for r in rows if r.unit == unit]
        lines.append(_line(unit, None, mine))
        lines.extend(_line(unit, r.clerk or "—", [r]) for r in mine)
    return SatisfactionReport(start=start, end=end, lines=lines)


def _line(unit: str, clerk: str | None, rows: list[ratings.RatingSums]) -> SatisfactionLine:
    count = sum(r.ratings for r in rows)

    def mean(criterion: str) -> float:
        total = sum(getattr(r, criterion) * r.ratings for r in rows)
        return round(total / count, 2) if count else 0.0

    return SatisfactionLine(
        unit=unit,
        clerk=clerk,
        ratings=count,
        satisfied_share=round(100 * sum(r.satisfied for r in rows) / count, 1) if count else 0.0,
        publicity=mean("publicity"),
        attitude=mean("attitude"),
        timeliness=mean("timeliness"),
        outcome=mean("outcome"),
        complaints=sum(r.complaints for r in rows),
    )
