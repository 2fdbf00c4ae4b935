"""Supervisors' figures over HTTP; who sees which units is decided in `services.supervision`."""

from typing import Annotated, Literal

from fastapi import Query
from fastapi.responses import Response

from api.auth import CurrentUser
from api.deps import ResourcesDep, SessionDep
from api.routing import api_router
from db.statistics import GroupBy
from schemas.bounds import Day
from schemas.supervision import RiskPage, StatisticsReport
from schemas.views import SatisfactionReport
from services import reconciliation, supervision
from services.reconciliation import DailyReconciliation, Reconciliation
from services.supervision import ANY_RUNG, RiskQuery

router = api_router(prefix="/supervision", tags=["supervision"])
Level = Literal["province", "commune"]


@router.get("/overdue", response_model=RiskPage, summary="Overdue dossiers (quá hạn)")
async def overdue(
    session: SessionDep,
    resources: ResourcesDep,
    user: CurrentUser,
    unit: str | None = None,
    procedure: str | None = None,
    level: Level | None = None,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> RiskPage:
    query = RiskQuery(None, unit, procedure, level, size)
    return await supervision.risk_page(session, resources.settings, user, query)


@router.get(
    "/at-risk",
    response_model=RiskPage,
    summary="Dossiers a rung of the escalation ladder has warned about",
)
async def at_risk(
    session: SessionDep,
    resources: ResourcesDep,
    user: CurrentUser,
    rung: str | None = None,
    unit: str | None = None,
    procedure: str | None = None,
    level: Level | None = None,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> RiskPage:
    query = RiskQuery(rung or ANY_RUNG, unit, procedure, level, size)
    return await supervision.risk_page(session, resources.settings, user, query)


@router.get(
    "/statistics",
    response_model=StatisticsReport,
    responses={200: {"content": {"text/csv": {}}}},
    summary="Report buckets and 766 indicators per unit for a period",
)
async def statistics(
    session: SessionDep,
    resources: ResourcesDep,
    user: CurrentUser,
    start: Annotated[Day, Query(description="First day of the period (province time)")],
    end: Annotated[Day, Query(description="Last day of the period, included")],
    by: GroupBy = "competent",
    format: Literal["json", "csv"] = "json",
) -> StatisticsReport | Response:
    result = await supervision.statistics(session, resources.settings, user, start, end, by)
    if format == "csv":
        return Response(
            supervision.as_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="thong-ke.csv"'},
        )
    return result


@router.get(
    "/satisfaction",
    response_model=SatisfactionReport,
    summary="Ratings per unit and counter clerk: share satisfied, each criterion's mean",
)
async def satisfaction(
    session: SessionDep,
    resources: ResourcesDep,
    user: CurrentUser,
    start: Annotated[Day, Query(description="First day of the period (province time)")],
    end: Annotated[Day, Query(description="Last day of the period, included")],
) -> SatisfactionReport:
    return await supervision.satisfaction(session, resources.settings, user, start, end)


@router.get(
    "/portal-reconciliation",
    response_model=Reconciliation,
    responses={200: {"content": {"text/csv": {}}}},
    summary="Local and national-portal status per dossier: every mismatch and its cause",
)
async def portal_reconciliation(
    session: SessionDep, user: CurrentUser, format: Literal["json", "csv"] = "json"
) -> Reconciliation | Response:
    report = await reconciliation.reconcile(session, user)
    if format == "csv":
        return _csv(reconciliation.as_csv(report), "doi-soat-cong-dvcqg.csv")
    return report


@router.get(
    "/portal-reconciliation/daily",
    response_model=list[DailyReconciliation],
    summary="The reconciliation kept each morning (after 06:00, province-wide), newest first",
)
async def daily_reconciliations(
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=366, description="How many days, newest first")] = 31,
) -> list[DailyReconciliation]:
    return await reconciliation.daily_reports(session, user, limit)


@router.get(
    "/portal-reconciliation/daily/{day}",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
    summary="One morning's reconciliation as it was kept: every mismatch and its cause (CSV)",
)
async def daily_reconciliation(session: SessionDep, user: CurrentUser, day: Day) -> Response:
    kept = await reconciliation.daily_csv(session, user, day)
    return _csv(kept, f"doi-soat-cong-dvcqg-{day:%Y-%m-%d}.csv")


def _csv(text: str, filename: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
