"""Prometheus metrics of the API: request latency, and dossiers and alarms from the database.

`/metrics` is this process's own (request latency): scrape every replica. `/metrics/database`
counts what the database holds (open dossiers, alarms, unsent notifications): the same
figures from any replica, so scrape it once, through the Service, or a sum over pods would
multiply them. Both answer only a bearer token (`MOTCUA_METRICS_TOKEN`) or, without one,
the loopback address: they name units and workloads. Workflow and activity latencies come
from the Temporal SDK's own metrics, which each worker serves on its own address
(`MOTCUA_WORKER_METRICS_PORT`).
"""

import hmac
import ipaddress
import time
from datetime import UTC, datetime

from fastapi import Depends, FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import func
from sqlmodel import col, select
from starlette.types import Message, Receive, Scope, Send

from api.deps import SessionDep
from api.middleware import HttpMiddleware
from api.routing import ROUTE_KEY, api_router
from db.models import DossierEventRow, DossierRow, NotificationRow
from schemas.deadlines import NotificationStatus
from services.errors import Forbidden, Unauthorized

router = api_router(tags=["metrics"])
# The database-wide gauges live apart from the process's own registry.
DATABASE = CollectorRegistry()

REQUESTS = Histogram(
    "motcua_http_request_duration_seconds",
    "API request latency",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5),
)
DOSSIERS = Gauge(
    "motcua_open_dossiers",
    "Open dossiers by status and holding unit",
    ["status", "unit"],
    registry=DATABASE,
)
ALARMS = Gauge(
    "motcua_deadline_alarms", "Deadline alarms recorded, by kind", ["kind"], registry=DATABASE
)
_ALARM_KINDS = ("deadline_warning", "apology_required", "deadline_breached")
# What the outbox has not delivered: a growing `failed` count is a gateway down, any
# `abandoned` row a message a person must deliver by other means.
NOTIFICATIONS = Gauge(
    "motcua_notifications_unsent",
    "Notifications not sent, by status",
    ["status"],
    registry=DATABASE,
)
OLDEST_UNSENT = Gauge(
    "motcua_notification_oldest_unsent_seconds",
    "Age of the oldest notification still to be sent (pending or failed)",
    registry=DATABASE,
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


def scraper(request: Request) -> None:
    """Prometheus with the token, or a process on this machine when none is set."""
    token: str = request.app.state.resources.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ")
        if hmac.compare_digest(given.encode(), token.encode()):
            return
        raise Unauthorized("Cần mã truy cập số liệu giám sát.", "A metrics token is required.")
    host = request.client.host if request.client else ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise Forbidden(
            "Số liệu giám sát chỉ mở cho máy chủ này (hoặc đặt MOTCUA_METRICS_TOKEN).",
            "Metrics are served to this machine only (or set MOTCUA_METRICS_TOKEN).",
        )


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(scraper)])
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.get("/metrics/database", include_in_schema=False, dependencies=[Depends(scraper)])
async def database_metrics(session: SessionDep) -> Response:
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
    return Response(generate_latest(DATABASE), media_type=CONTENT_TYPE_LATEST)
