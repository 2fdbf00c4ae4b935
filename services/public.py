"""What anyone may read without signing in: the procedure catalogue (what to bring, what it
costs, how long it takes, where to submit, the blank request form) and each unit's on-time
share this month and last, from the statistics supervisors already have."""

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import result_spec
from db.reference import current_procedures, get_units, list_units
from db.search import fold
from db.statistics import unit_reports
from motcua.settings import Settings
from schemas.procedure import ProcedureDefinition, TimeLimit, TimeUnit
from schemas.results import ResultSpec
from schemas.unit import Level
from services.errors import NotFound
from worktime.indicators import UnitReport

_UNITS_VI = {
    TimeUnit.WORKING_HOURS: "giờ làm việc",
    TimeUnit.WORKING_DAYS: "ngày làm việc",
    TimeUnit.CALENDAR_DAYS: "ngày",
    TimeUnit.MONTHS: "tháng",
}
_UNITS_EN = {
    TimeUnit.WORKING_HOURS: "working hours",
    TimeUnit.WORKING_DAYS: "working days",
    TimeUnit.CALENDAR_DAYS: "days",
    TimeUnit.MONTHS: "months",
}


def time_limit_words(limit: TimeLimit) -> tuple[str, str]:
    if limit.unit is TimeUnit.SAME_DAY:
        return (
            "Trong ngày (nhận sau 15 giờ trả ngày làm việc tiếp theo)",
            "Same day (after 15:00: the next working day)",
        )
    value = f"{limit.value:g}"
    return f"{value} {_UNITS_VI[limit.unit]}", f"{value} {_UNITS_EN[limit.unit]}"


@dataclass(frozen=True)
class PublicProcedure:
    procedure: ProcedureDefinition
    time_limit_vi: str
    time_limit_en: str
    result: ResultSpec
    where_vi: str
    where_en: str


async def catalogue_page(session: AsyncSession, q: str = "") -> list[PublicProcedure]:
    """The current procedures, those whose code or name (marks ignored) holds `q`."""
    wanted = fold(q)
    found = [
        p
        for p in await current_procedures(session)
        if not wanted or wanted in fold(p.name_vi) or wanted in p.code.lower()
        or wanted in p.name_en.lower()
    ]  # fmt: skip
    return [await _public(session, p) for p in sorted(found, key=lambda p: p.name_vi)]


async def procedure(session: AsyncSession, code: str) -> PublicProcedure:
    found = next((p for p in await current_procedures(session) if p.code == code), None)
    if found is None:
        raise NotFound(
            f"Không có thủ tục hành chính mã «{code}».", f"There is no procedure '{code}'."
        )
    return await _public(session, found)


async def _public(session: AsyncSession, procedure: ProcedureDefinition) -> PublicProcedure:
    vi, en = time_limit_words(procedure.time_limit)
    if procedure.level is Level.PROVINCE and procedure.competent_unit is not None:
        units = await get_units(session, {procedure.competent_unit})
        decides = units[procedure.competent_unit].name_vi
        where_vi = (
            f"Nộp trực tuyến, hoặc tại bất kỳ Trung tâm Phục vụ hành chính công nào của tỉnh; "
            f"cơ quan giải quyết: {decides}."
        )
        where_en = (
            f"Online, or at any of the province's public service centres; decided by {decides}."
        )
    else:
        where_vi = (
            "Nộp trực tuyến, hoặc tại Bộ phận Một cửa của Ủy ban nhân dân xã, phường nơi cư trú."
        )
        where_en = "Online, or at the one-stop counter of the commune or ward where you live."
    return PublicProcedure(procedure, vi, en, result_spec(procedure, True), where_vi, where_en)


@dataclass(frozen=True)
class ScoreLine:
    unit: str
    name_vi: str
    this_month: float | None
    this_month_judged: int
    last_month: float | None
    last_month_judged: int


async def scoreboard(session: AsyncSession, settings: Settings, today: date) -> list[ScoreLine]:
    """Each unit's share of dossiers handled early or on time (766: 2.1) this month so far
    and last month, best first."""
    tz = ZoneInfo(settings.timezone)
    first = today.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    now = {r.unit: r for r in await unit_reports(session, first, today + timedelta(days=1), tz)}
    before = {r.unit: r for r in await unit_reports(session, previous, first, tz)}
    names = {u.code: u.name_vi for u in await list_units(session)}
    lines = []
    for unit in set(now) | set(before):
        this, last = now.get(unit), before.get(unit)
        lines.append(
            ScoreLine(
                unit=unit,
                name_vi=names.get(unit, unit),
                this_month=None if this is None else this.indicators()["2.1"],
                this_month_judged=_judged(this),
                last_month=None if last is None else last.indicators()["2.1"],
                last_month_judged=_judged(last),
            )
        )
    return sorted(lines, key=lambda s: (-(s.this_month or -1), s.name_vi))


def _judged(report: UnitReport | None) -> int:
    if report is None:
        return 0
    return (
        report.finished_early
        + report.finished_on_time
        + report.finished_late
        + report.in_progress_within_deadline
        + report.in_progress_overdue
    )
