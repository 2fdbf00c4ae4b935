"""Logs name the request and the dossier; a trace runs from the API into the worker."""

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.deps import Resources
from db.session import SessionMaker
from motcua.logs import ContextFilter, JsonFormatter
from motcua.settings import Settings
from motcua.tracing import temporal_interceptors
from motcua.worker import build_worker
from tests.auth import StaffAuth
from tests.journeys import drive, submit

JUSTICE = {"procedure_code": "2.000488", "receiving_unit": "xa-vu-bon"}


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


async def test_log_lines_carry_the_request_id_and_the_dossier(
    api: httpx.AsyncClient, temporal_env: WorkflowEnvironment, json_lines: io.StringIO
) -> None:
    code = await submit(api, **JUSTICE)
    await drive(api, code, "accept", "transfer", "assign")
    response = await api.get(f"/api/v1/dossiers/{code}", headers={"X-Request-ID": "quay-7-0042"})
    # A deadline warning fires; the worker's dispatcher sends it and logs, outside any
    # activity, on the dossier's behalf.
    await temporal_env.fast_forward(
        temporal_env.client.get_workflow_handle(code), timedelta(days=12)
    )
    for _ in range(100):
        if '"logger": "motcua.notifications"' in json_lines.getvalue():
            break
        await asyncio.sleep(0.1)

    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    request = next(line for line in lines if line.get("request_id") == "quay-7-0042")
    notified = [line for line in lines if line["logger"] == "motcua.notifications"]
    assert response.headers["X-Request-ID"] == "quay-7-0042"
    assert request["dossier"] == code
    assert request["status"] == 200
    assert request["logger"] == "motcua.requests"
    assert request["duration_ms"] >= 0
    assert notified
    assert all(line["dossier"] == code for line in notified)


async def test_one_trace_runs_from_the_request_through_the_workflow_to_its_activities(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: SessionMaker,
    temporal_client: Client,
    task_queue: str,
) -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    config = temporal_client.config()
    config["interceptors"] = temporal_interceptors(provider)
    traced = Client(**config)
    app = create_app(settings, resources=Resources(settings, engine, sessionmaker, traced))
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)

    async with build_worker(traced, settings, sessionmaker), app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://motcua.test", auth=StaffAuth(settings)
        ) as api:
            await submit(api, **JUSTICE)

    finished = spans.get_finished_spans()
    request = next(s for s in finished if s.name == "POST /api/v1/dossiers")
    same_trace = {s.name for s in finished if s.context.trace_id == request.context.trace_id}
    # Submission starts the workflow with its first update (update-with-start).
    assert "StartUpdateWithStartWorkflow:DossierWorkflow" in same_trace
    assert "RunWorkflow:DossierWorkflow" in same_trace
    assert "RunActivity:record_dossier_event" in same_trace
