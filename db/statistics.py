"""The provincial report as sums over days (formulas in `worktime.indicators`).

Each dossier contributes to a few (day, unit, procedure) rows of `dossier_daily`: the day
it was submitted (received, accepted, digitised; it enters the open stock), the day
processing ended (its verdict; it leaves the stock), and the day it became overdue. The
projection keeps the table as a dossier moves: its old contribution taken away, the new
one added, in the same transaction as the projection row. A period's report is then:

- flows (received, finished early/on time/late, refused, …): sums over its days;
- stocks at an instant (carried over at the start; open, open with a deadline and
  overdue at the end): entries minus exits over the days before it.

Periods are whole days in the province's time zone, as provincial reports are. Paused
dossiers are the only figure read from the projection itself (its current status).
"""

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo
from typing import Any, Literal

from sqlalchemy import RowMapping, bindparam, case, delete, exists, func, insert, or_
from sqlalchemy import select as select_columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import ComplaintRow, DossierDailyRow, DossierFeedbackRow, DossierRow
from db.upsert import dialect_of, insert_into, table_of
from schemas.status import DossierStatus
from worktime.indicators import JUDGED_OUTCOMES, UnitReport

GroupBy = Literal["competent", "receiving", "procedure"]
DayKey = tuple[date, str, str, str]
Counts = defaultdict[str, float]
Contribution = dict[DayKey, Counts]

_GROUP_COLUMNS = {
    "competent": "competent_authority",
    "receiving": "receiving_unit",
    "procedure": "procedure_code",
}
_SUPPLEMENT_REQUESTED = int(DossierStatus.SUPPLEMENT_REQUESTED)
_RESULT_RETURNED = int(DossierStatus.RESULT_RETURNED)
_JUDGED = {o.value for o in JUDGED_OUTCOMES}
_OUTCOME_COUNTERS = {
    "early": "finished_early",
    "on_time": "finished_on_time",
    "late": "finished_late",
    "refused": "refused",
    "withdrawn": "withdrawn",
}

# The projection columns a dossier's contribution depends on.
FACT_COLUMNS = (
    "competent_authority",
    "receiving_unit",
    "procedure_code",
    "channel",
    "status",
    "submitted_at",
    "accepted_at",
    "legal_due_at",
    "finished_at",
    "late_by_rule",
    "outcome",
    "processing_days",
    "payment_method",
    "result_method",
    "result_document_id",
    "digitised",
)
_COUNTERS = tuple(
    column.name
    for column in table_of(DossierDailyRow).columns
    if column.name not in ("day", *_GROUP_COLUMNS.values())
)


def local_day(at: datetime, tz: tzinfo) -> date:
    """The day in the province (`MOTCUA_TIMEZONE`) an instant falls on: the reports' days."""
    return at.astimezone(tz).date()


def contribution(facts: Mapping[Any, Any], tz: tzinfo, complaint: bool = False) -> Contribution:
    """What one dossier, as the projection holds it, adds to `dossier_daily`."""
    units = (facts["competent_authority"], facts["receiving_unit"], facts["procedure_code"])
    days: Contribution = {}

    def on(day: date) -> Counts:
        return days.setdefault((day, *units), defaultdict(float))

    submitted = on(local_day(facts["submitted_at"], tz))
    submitted["opened"] += 1
    submitted[f"received_{facts['channel']}"] += 1
    if facts["accepted_at"] is not None:
        submitted["accepted"] += 1
        submitted["digitised"] += int(bool(facts["digitised"]))
    finished_at, due_at = facts["finished_at"], facts["legal_due_at"]
    if due_at is not None:
        submitted["tracked_opened"] += 1
        # Overdue from the day after the due date's day: a report ending at midnight counts
        # a dossier due before it. A second supplement request makes it late from the start.
        overdue_from = (
            local_day(facts["submitted_at"], tz) if facts["late_by_rule"] else local_day(due_at, tz)
        )
        on(overdue_from)["overdue_opened"] += 1
        if finished_at is not None:
            on(local_day(finished_at, tz))["tracked_closed"] += 1
            on(max(overdue_from, local_day(finished_at, tz)))["overdue_closed"] += 1
    if finished_at is None:
        return _without_zeros(days)
    finished = on(local_day(finished_at, tz))
    finished["closed"] += 1
    outcome = facts["outcome"]
    if outcome is not None:
        finished[_OUTCOME_COUNTERS[outcome]] += 1
    if outcome in _JUDGED:
        if facts["processing_days"] is not None:
            finished["processed"] += 1
            finished["processing_days_sum"] += float(facts["processing_days"])
        # 3.6 asks how the fee-bearing paid; an exemption by law is no payment.
        finished["paid"] += int(facts["payment_method"] not in (None, "exempt"))
        finished["paid_online"] += int(facts["payment_method"] == "online")
        returned = facts["status"] == _RESULT_RETURNED
        finished["returned"] += int(returned)
        # 766: 4.1 counts a result returned electronically only as a signed file delivered.
        finished["returned_electronically"] += int(
            returned
            and facts["result_method"] == "electronic"
            and facts["result_document_id"] is not None
        )
        finished["complaints"] += int(complaint)
    return _without_zeros(days)


def _without_zeros(days: Contribution) -> Contribution:
    kept = {key: defaultdict(float, {n: v for n, v in c.items() if v}) for key, c in days.items()}
    return {key: counts for key, counts in kept.items() if counts}


def difference(new: Contribution, old: Contribution) -> Contribution:
    """new − old, keeping negative counts (a dossier leaving a bucket)."""
    delta: Contribution = {}
    for key in new.keys() | old.keys():
        counts: Counts = defaultdict(float, new.get(key, {}))
        for name, value in old.get(key, {}).items():
            counts[name] -= value
        delta[key] = counts
    return _without_zeros(delta)


async def add_to_daily(session: AsyncSession, delta: Contribution) -> None:
    """Adds counts to their day rows; keys in a fixed order, so writers never deadlock."""
    if not delta:
        return
    # Every counter of every key in one statement (most add 0), its rows passed as
    # parameters: SQLAlchemy compiles it once and sends one multi-row INSERT; rows written
    # into `.values()` would be compiled anew each time.
    await (await session.connection()).execute(
        _daily_upsert(dialect_of(session)),
        [{**_key_values(key), **_counter_values(delta[key])} for key in sorted(delta)],
    )


@functools.cache
def _daily_upsert(dialect: str) -> Any:
    # Built once: its SET clause alone was 4 % of the worker's CPU when built per event.
    table = table_of(DossierDailyRow)
    statement = insert_into(dialect, DossierDailyRow)
    return statement.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={name: table.c[name] + statement.excluded[name] for name in _COUNTERS},
    )


def _counter_values(counts: Counts) -> dict[str, Any]:
    # Whole numbers but one: the integer columns take ints.
    return {
        name: counts.get(name, 0) if name == "processing_days_sum" else int(counts.get(name, 0))
        for name in _COUNTERS
    }


def _key_values(key: DayKey) -> dict[str, Any]:
    day, competent, receiving, procedure = key
    return {
        "day": day,
        "competent_authority": competent,
        "receiving_unit": receiving,
        "procedure_code": procedure,
    }


def daily_rows(dossiers: Iterable[Mapping[str, Any]], tz: tzinfo) -> list[dict[str, Any]]:
    """The whole table from projection rows (each with FACT_COLUMNS and `complaint`)."""
    totals: Contribution = {}
    for facts in dossiers:
        for key, counts in contribution(facts, tz, bool(facts["complaint"])).items():
            total = totals.setdefault(key, defaultdict(float))
            for name, value in counts.items():
                total[name] += value
    return [
        {**_key_values(key), **_counter_values(counts)} for key, counts in sorted(totals.items())
    ]


def facts_query() -> Any:
    """Projection rows with what `daily_rows` needs, for a rebuild or a migration."""
    return select_columns(*(col(getattr(DossierRow, name)) for name in FACT_COLUMNS), _complained())


def _complained() -> Any:
    """Whether the dossier has a complaint: sent with the rating, or filed as a case."""
    rated = exists().where(
        col(DossierFeedbackRow.dossier_code) == col(DossierRow.code),
        col(DossierFeedbackRow.complaint).is_not(None),
    )
    filed = exists().where(col(ComplaintRow.dossier_code) == col(DossierRow.code))
    return or_(rated, filed).label("complaint")


async def dossier_facts(
    session: AsyncSession, code: str, *, lock: bool = False
) -> RowMapping | None:
    """One dossier's FACT_COLUMNS, whether it has a complaint, and last_seq; locked when its
    counts are about to move."""
    statement = _facts_of_one(lock)
    connection = await session.connection()
    return (await connection.execute(statement, {"code": code})).mappings().first()


@functools.cache
def _facts_of_one(lock: bool) -> Any:
    # Built once: read with every event the projection records.
    statement = select_columns(
        *(col(getattr(DossierRow, name)) for name in (*FACT_COLUMNS, "last_seq")), _complained()
    ).where(col(DossierRow.code) == bindparam("code"))
    return statement.with_for_update(of=DossierRow) if lock else statement


async def rebuild_daily(session: AsyncSession, tz: tzinfo, batch: int = 5000) -> int:
    """Recomputes `dossier_daily` from the projection (after a bulk load or a repair)."""
    await session.exec(delete(DossierDailyRow))
    rows = daily_rows((await session.exec(facts_query())).mappings(), tz)
    for offset in range(0, len(rows), batch):
        await (await session.connection()).execute(
            insert(DossierDailyRow), rows[offset : offset + batch]
        )
    return len(rows)


async def unit_reports(
    session: AsyncSession,
    start: date,
    end: date,
    tz: tzinfo,
    by: GroupBy = "competent",
    unit: str | None = None,
) -> list[UnitReport]:
    """One report per unit (or procedure) that had a dossier in the days [start, end)."""
    d = DossierDailyRow
    group = col(getattr(d, _GROUP_COLUMNS[by]))

    def stock(entries: str, exits: str, before: Any = None) -> Any:
        value = col(getattr(d, entries)) - col(getattr(d, exits))
        return func.sum(value if before is None else func.coalesce(_when(before, value), 0))

    # Two scans: stocks read every day before the end, but only three differences of them;
    # flows read all counters, but only the period's days.
    stocks = {
        "carried_over": stock("opened", "closed", col(d.day) < start),
        "open_with_deadline": stock("tracked_opened", "tracked_closed"),
        "in_progress_overdue": stock("overdue_opened", "overdue_closed"),
    }
    flows = {
        name: func.sum(getattr(d, name))
        for name in _COUNTERS
        if not name.endswith(("opened", "closed"))
    }
    scope = col(getattr(d, _GROUP_COLUMNS["competent" if by == "procedure" else by]))
    rows: dict[str, dict[str, Any]] = {}
    for columns, where in ((stocks, col(d.day) < end), (flows, col(d.day) >= start)):
        statement = (
            select_columns(
                group.label("unit"), *(value.label(name) for name, value in columns.items())
            )
            .where(where, col(d.day) < end, *([] if unit is None else [scope == unit]))
            .group_by(group)
        )
        for row in (await (await session.connection()).execute(statement)).mappings():
            rows.setdefault(row["unit"], {}).update(row)
    paused = await _paused(session, end, tz, by, unit)
    reports = []
    for name in sorted(rows):
        values = {column: rows[name].get(column) or 0 for column in (*stocks, *flows)}
        processed, days = int(values.pop("processed")), float(values.pop("processing_days_sum"))
        open_with_deadline = int(values.pop("open_with_deadline"))
        counts = {column: int(value) for column, value in values.items()}
        received = {c: counts.pop(f"received_{c}") for c in (1, 2, 3)}
        if counts["carried_over"] + sum(received.values()) == 0:
            continue  # no dossier of this unit was in the period
        reports.append(
            UnitReport(
                unit=name,
                received=received,
                in_progress_within_deadline=open_with_deadline - counts["in_progress_overdue"],
                paused=paused.get(name, 0),
                average_processing_days=days / processed if processed else None,
                **counts,
            )
        )
    return reports


def _when(condition: Any, value: Any) -> Any:
    return case((condition, value), else_=None)


async def _paused(
    session: AsyncSession, end: date, tz: tzinfo, by: GroupBy, unit: str | None
) -> dict[str, int]:
    """Waiting for a supplement at the period's end: only open dossiers can be, so the
    current status of the unfinished ones answers (from the unfinished-due index)."""
    group = col(getattr(DossierRow, _GROUP_COLUMNS[by]))
    statement = (
        select(group, func.count())
        .where(
            col(DossierRow.finished_at).is_(None),
            col(DossierRow.status) == _SUPPLEMENT_REQUESTED,
            col(DossierRow.legal_due_at).is_not(None),
            col(DossierRow.submitted_at) < day_start(end, tz),
        )
        .group_by(group)
    )
    if unit is not None:
        scope = "competent" if by == "procedure" else by
        statement = statement.where(col(getattr(DossierRow, _GROUP_COLUMNS[scope])) == unit)
    return {key: int(count) for key, count in (await session.exec(statement)).all()}


def day_start(day: date, tz: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)
