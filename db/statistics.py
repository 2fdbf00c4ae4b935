"""The provincial report as one aggregate query (formulas in `worktime.indicators`).

Each dossier was judged when it finished (`dossier.outcome`, `processing_days`), so a
period's report is sums over the dossiers it touches: those submitted before its end and
not finished before its start. The unfinished-due and finished-at indexes find them.
"""

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Float, and_, case, cast, func, not_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import DossierFeedbackRow, DossierRow
from worktime.indicators import JUDGED_OUTCOMES, Outcome, UnitReport

GroupBy = Literal["competent", "receiving", "procedure"]

_GROUP_COLUMNS = {
    "competent": DossierRow.competent_authority,
    "receiving": DossierRow.receiving_unit,
    "procedure": DossierRow.procedure_code,
}
_AWAITING_SUPPLEMENT = 5
_RESULT_RETURNED = 10


def _count(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


async def unit_reports(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    by: GroupBy = "competent",
    unit: str | None = None,
) -> list[UnitReport]:
    """One report per unit (or procedure) that had any dossier in [start, end)."""
    d = DossierRow
    group = col(_GROUP_COLUMNS[by])
    finished_in = and_(col(d.finished_at) >= start, col(d.finished_at) < end)
    judged = and_(finished_in, col(d.outcome).in_([o.value for o in JUDGED_OUTCOMES]))
    open_at_end = and_(
        or_(col(d.finished_at).is_(None), col(d.finished_at) >= end),
        col(d.legal_due_at).is_not(None),
    )
    overdue_at_end = or_(col(d.late_by_rule), col(d.legal_due_at) < end)
    received = col(d.submitted_at) >= start
    accepted = and_(received, col(d.accepted_at).is_not(None))
    complained = col(DossierFeedbackRow.complaint).is_not(None)

    def outcome(value: Outcome) -> Any:
        return _count(and_(finished_in, col(d.outcome) == value.value))

    columns = {
        "carried_over": _count(col(d.submitted_at) < start),
        "received_1": _count(and_(received, col(d.channel) == 1)),
        "received_2": _count(and_(received, col(d.channel) == 2)),
        "received_3": _count(and_(received, col(d.channel) == 3)),
        "finished_early": outcome(Outcome.EARLY),
        "finished_on_time": outcome(Outcome.ON_TIME),
        "finished_late": outcome(Outcome.LATE),
        "refused": outcome(Outcome.REFUSED),
        "withdrawn": outcome(Outcome.WITHDRAWN),
        "in_progress_overdue": _count(and_(open_at_end, overdue_at_end)),
        "in_progress_within_deadline": _count(and_(open_at_end, not_(overdue_at_end))),
        "paused": _count(and_(open_at_end, col(d.status) == _AWAITING_SUPPLEMENT)),
        "average_processing_days": func.avg(
            case((judged, cast(col(d.processing_days), Float)), else_=None)
        ),
        "paid": _count(and_(judged, col(d.payment_method).is_not(None))),
        "paid_online": _count(and_(judged, col(d.payment_method) == "online")),
        "returned": _count(and_(judged, col(d.status) == _RESULT_RETURNED)),
        "returned_electronically": _count(
            and_(judged, col(d.status) == _RESULT_RETURNED, col(d.result_method) == "electronic")
        ),
        "accepted": _count(accepted),
        "digitised": _count(and_(accepted, col(d.digitised))),
        "complaints": _count(and_(or_(judged, open_at_end), complained)),
    }
    statement = (
        select(group.label("unit"), *(value.label(name) for name, value in columns.items()))
        .select_from(d)
        .outerjoin(DossierFeedbackRow, col(DossierFeedbackRow.dossier_code) == col(d.code))
        .where(
            col(d.submitted_at) < end,
            or_(col(d.finished_at).is_(None), col(d.finished_at) >= start),
        )
        .group_by(group)
        .order_by(group)
    )
    if unit is not None:
        statement = statement.where(
            col(_GROUP_COLUMNS["competent" if by == "procedure" else by]) == unit
        )
    reports = []
    for row in (await session.exec(statement)).mappings():
        values = {
            name: int(row[name] or 0) for name in columns if name != "average_processing_days"
        }
        average = row["average_processing_days"]
        reports.append(
            UnitReport(
                unit=row["unit"],
                received={c: values.pop(f"received_{c}") for c in (1, 2, 3)},
                average_processing_days=None if average is None else float(average),
                **values,
            )
        )
    return reports
