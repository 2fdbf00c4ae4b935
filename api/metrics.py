"""Prometheus metrics of the API: request latency, and dossiers and alarms from the database.

Workflow and activity latencies come from the Temporal SDK's own metrics, which each worker
serves on its own address (`MOTCUA_WORKER_METRICS_PORT`).
"""

import time
from datetime import UTC, datetime

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, Histogram, generate_latest
from sqlalchemy import func
from sqlmodel import col, select
from starlette.types import Message, Receive, Scope, Send

from api.deps import SessionDep
from api.middleware import HttpMiddleware
from api.routing import ROUTE_KEY, api_router
from db.models import DossierEventRow, DossierRow, NotificationRow
from schemas.deadlines import NotificationStatus

router = api_router(tags=["metrics"])

REQUESTS = Histogram(
    "motcua_http_request_duration_seconds",
    "API request latency",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5),
)
DOSSIERS = Gauge(
    "motcua_open_dossiers", "Open dossiers by status and holding unit", ["status", "unit"]
)
ALARMS = Gauge("motcua_deadline_alarms", "Deadline alarms recorded, by kind", ["kind"])
_ALARM_KINDS = ("deadline_warning", "apology_required", "deadline_breached")
# What the outbox has not delivered: a growing `failed` count is a gateway down, any
# `abandoned` row a message a person must deliver by other means.
NOTIFICATIONS = Gauge(
    "motcua_notifications_unsent", "Notifications not sent, by status", ["status"]
)
OLDEST_UNSENT = Gauge(
    "motcua_notification_oldest_unsent_seconds",
    "Age of the oldest notification still to be sent (pending or failed)",
)
_UNSENT = (NotificationStatus.PENDING, NotificationStatus.FAILED, NotificationStatus.ABANDONED)


class _Timing(HttpMiddleware):
    """Times every request, labelled with its route template (set by `api.routing`)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started, status = time.perf_counter(), [500]

        async def remember_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            # The route template, not the path, keeps the label set small.
            template = str(scope.get(ROUTE_KEY, "unmatched"))
            REQUESTS.labels(scope["method"], template, str(status[0])).observe(
                time.perf_counter() - started
            )


def install(app: FastAPI) -> None:
    app.add_middleware(_Timing)


@router.get("/metrics", include_in_schema=False)
async def metrics(session: SessionDep) -> Response:
    open_counts = await session.exec(
        select(DossierRow.status, DossierRow.holder_unit, func.count())
        .where(col(DossierRow.closed_at).is_(None))
        .group_by(col(DossierRow.status), col(DossierRow.holder_unit))
    )
    DOSSIERS.clear()
    for status, unit, count in open_counts:
        DOSSIERS.labels(str(status), unit).set(count)
    alarm_counts = dict(
        (
            await session.exec(
                select(DossierEventRow.type, func.count())
                .where(col(DossierEventRow.type).in_(_ALARM_KINDS))
                .group_by(col(DossierEventRow.type))
            )
        ).all()
    )
    for kind in _ALARM_KINDS:
        ALARMS.labels(kind).set(alarm_counts.get(kind, 0))
    unsent: dict[str, tuple[int, datetime]] = {
        state: (count, oldest)
        for state, count, oldest in await session.exec(
            select(NotificationRow.status, func.count(), func.min(NotificationRow.created_at))
            .where(col(NotificationRow.status).in_(_UNSENT))
            .group_by(col(NotificationRow.status))
        )
    }
    for state in _UNSENT:
        NOTIFICATIONS.labels(state).set(unsent[state][0] if state in unsent else 0)
    waiting = [
        oldest for state, (_, oldest) in unsent.items() if state != NotificationStatus.ABANDONED
    ]
    OLDEST_UNSENT.set((datetime.now(UTC) - min(waiting)).total_seconds() if waiting else 0)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
