"""Prometheus metrics: the API's own, and the Temporal SDK's from a worker."""

import asyncio
import urllib.request
from datetime import UTC, datetime, timedelta

import httpx
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from db.outbox import enqueue
from db.session import SessionMaker
from motcua.settings import Settings
from motcua.temporal import PLAIN_CONVERTER, metrics_runtime
from motcua.worker import build_worker
from schemas.deadlines import NotificationRequest
from tests.conftest import free_port
from tests.journeys import drive, submit


async def test_api_metrics_count_open_dossiers_and_time_requests(api: httpx.AsyncClient) -> None:
    code = await submit(api, procedure_code="2.000488", receiving_unit="xa-vu-bon")
    await drive(api, code, "accept", "transfer")

    database = (await api.get("/metrics/database", auth=None)).text
    text = (await api.get("/metrics", auth=None)).text

    assert 'motcua_open_dossiers{status="4",unit="so-tu-phap"} 1.0' in database
    assert 'motcua_deadline_alarms{kind="deadline_breached"} 0.0' in database
    # Each replica reports its own requests only; the database's figures are scraped once.
    assert "motcua_open_dossiers" not in text
    # Templates as their router declares them, under /api/v1.
    assert 'route="/dossiers/{code}/actions/{action}",status="200"' in text
    assert "motcua_http_request_duration_seconds_bucket" in text


async def test_api_metrics_show_what_the_outbox_has_not_delivered(
    app_without_worker: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    # No worker, so no dispatcher: what is queued stays pending.
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    async with sessionmaker() as session, session.begin():
        await enqueue(
            session,
            NotificationRequest(
                dossier_code="H15.22-261130-0001",
                seq=9,
                kind="deadline_breached",
                recipients=["leader@so-tu-phap", "supervisor@province"],
                message_vi="Hồ sơ quá hạn giải quyết.",
                message_en="Dossier deadline breached.",
            ),
            "sms",
            an_hour_ago,
        )

    text = (await app_without_worker.get("/metrics/database", auth=None)).text

    assert 'motcua_notifications_unsent{status="pending"} 2.0' in text
    assert 'motcua_notifications_unsent{status="abandoned"} 0.0' in text
    [oldest] = [line for line in text.splitlines() if line.startswith("motcua_notification_oldest")]
    assert 3600 <= float(oldest.split()[-1]) < 3700


def _scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())


async def test_the_worker_exports_workflow_and_activity_latencies(
    temporal_env: WorkflowEnvironment,
    settings: Settings,
    sessionmaker: SessionMaker,
    app_without_worker: httpx.AsyncClient,
) -> None:
    port = free_port()
    client = await Client.connect(
        temporal_env.client.service_client.config.target_host,
        data_converter=PLAIN_CONVERTER,
        runtime=metrics_runtime(port),
    )
    async with build_worker(client, settings, sessionmaker):
        await submit(app_without_worker)
        text = await asyncio.to_thread(_scrape, f"http://127.0.0.1:{port}/metrics")

    assert "temporal_workflow_task_execution_latency" in text
    # The dossier's own steps run as local activities (workflows.machinery._activity).
    assert "temporal_local_activity_execution_latency" in text


async def test_metrics_answer_this_machine_or_the_token_only(
    settings: Settings, app_without_worker: httpx.AsyncClient
) -> None:
    app = app_without_worker._transport.app  # type: ignore[attr-defined]
    remote = httpx.ASGITransport(app=app, client=("10.20.30.40", 5000))
    async with httpx.AsyncClient(transport=remote, base_url="http://motcua.test") as outsider:
        refused = await outsider.get("/metrics")
        settings.metrics_token = "prometheus-scrape-token-Qz7xLm2Rt5"
        try:
            no_token = await outsider.get("/metrics/database")
            with_token = await outsider.get(
                "/metrics/database",
                headers={"Authorization": "Bearer prometheus-scrape-token-Qz7xLm2Rt5"},
            )
        finally:
            settings.metrics_token = ""

    assert refused.status_code == 403
    assert no_token.status_code == 401
    assert with_token.status_code == 200
    assert "motcua_open_dossiers" in with_token.text or "motcua_deadline_alarms" in with_token.text
