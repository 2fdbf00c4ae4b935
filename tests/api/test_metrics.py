"""Prometheus metrics: the API's own, and the Temporal SDK's from a worker."""

import asyncio
import urllib.request

import httpx
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from db.session import SessionMaker
from motcua.settings import Settings
from motcua.temporal import metrics_runtime
from motcua.worker import build_worker
from tests.conftest import free_port
from tests.journeys import drive, submit


async def test_api_metrics_count_open_dossiers_and_time_requests(api: httpx.AsyncClient) -> None:
    code = await submit(api, procedure_code="2.000488", receiving_unit="xa-vu-bon")
    await drive(api, code, "accept", "transfer")

    text = (await api.get("/metrics", auth=None)).text

    assert 'motcua_open_dossiers{status="4",unit="so-tu-phap"} 1.0' in text
    assert 'motcua_deadline_alarms{kind="deadline_breached"} 0.0' in text
    # Templates as their router declares them, under /api/v1.
    assert 'route="/dossiers/{code}/actions/{action}",status="200"' in text
    assert "motcua_http_request_duration_seconds_bucket" in text


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
        data_converter=pydantic_data_converter,
        runtime=metrics_runtime(port),
    )
    async with build_worker(client, settings, sessionmaker):
        await submit(app_without_worker)
        text = await asyncio.to_thread(_scrape, f"http://127.0.0.1:{port}/metrics")

    assert "temporal_workflow_task_execution_latency" in text
    # The dossier's own steps run as local activities (workflows.machinery._activity).
    assert "temporal_local_activity_execution_latency" in text
