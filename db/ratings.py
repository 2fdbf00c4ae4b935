"""Ratings summed per unit and per counter clerk over a period, for supervisors."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, case, cast, func
from sqlalchemy import select as select_columns
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import DossierFeedbackRow


@dataclass(frozen=True)
class RatingSums:
    unit: str
    clerk: str | None
    ratings: int
    satisfied: int
    # Each criterion's mean.
    publicity: float
    attitude: float
    timeliness: float
    outcome: float
    complaints: int


async def by_unit_and_clerk(
    session: AsyncSession, start: datetime, end: datetime, unit: str | None
) -> list[RatingSums]:
    """Ratings given in [start, end), summed per unit and counter clerk."""
    rating = DossierFeedbackRow
    statement = (
        select_columns(
            col(rating.unit),
            col(rating.clerk),
            func.count(),
            func.sum(cast(case((col(rating.rating) >= 4, 1), else_=0), Integer)),
            func.avg(col(rating.publicity)),
            func.avg(col(rating.attitude)),
            func.avg(col(rating.timeliness)),
            func.avg(col(rating.outcome)),
            func.count(col(rating.complaint)),
        )
        .where(
            col(rating.created_at) >= start,
            col(rating.created_at) < end,
            col(rating.unit).is_not(None),
        )
        .group_by(col(rating.unit), col(rating.clerk))
        .order_by(col(rating.unit), col(rating.clerk))
    )
    if unit is not None:
        statement = statement.where(col(rating.unit) == unit)
    rows = (await (await session.connection()).execute(statement)).all()
    return [
        RatingSums(
            str(u),
            c,
            int(n),
            int(ok or 0),
            float(p or 0),
            float(a or 0),
            float(t or 0),
            float(o or 0),
            int(k),
        )
        for u, c, n, ok, p, a, t, o, k in rows
    ]
