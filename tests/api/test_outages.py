"""Outages answer 503 with Retry-After, and say what is known of the outcome."""

import asyncpg
import httpx
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.service import RetryConfig
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.deps import Resources
from db.session import SessionMaker
from motcua.devserver import temporal_binary
from motcua.settings import Settings
from motcua.temporal import PLAIN_CONVERTER
from tests.auth import StaffAuth
from tests.factories import submission


async def test_a_temporal_outage_asks_the_client_to_retry_later(
    settings: Settings, engine: AsyncEngine, sessionmaker: SessionMaker
) -> None:
    # A Temporal server of its own, connected to and then stopped: the outage as a running
    # API meets it.
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_binary(), data_converter=PLAIN_CONVERTER
    )
    dead = await Client.connect(
        env.client.service_client.config.target_host,
        retry_config=RetryConfig(max_retries=1, initial_interval_millis=10),
        data_converter=PLAIN_CONVERTER,
    )
    await env.shutdown()
    app = create_app(settings, resources=Resources(settings, engine, sessionmaker, dead))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://motcua.test", auth=StaffAuth(settings)
        ) as api:
            response = await api.post("/api/v1/dossiers", json=submission())

    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert response.json()["detail"]["code"] == "workflow_service_unavailable"


async def test_a_commit_cut_short_says_the_outcome_is_unknown_and_how_to_check(
    settings: Settings, engine: AsyncEngine, sessionmaker: SessionMaker, temporal_client: Client
) -> None:
    app = create_app(settings, resources=Resources(settings, engine, sessionmaker, temporal_client))

    # What SQLAlchemy raises when PostgreSQL restarts in the middle of a commit, and what
    # asyncpg raises unwrapped.
    @app.post("/api/v1/test-commit-wrapped")
    async def wrapped() -> None:
        raise DBAPIError("COMMIT", None, asyncpg.InternalClientError("unexpected error"))

    @app.post("/api/v1/test-commit-raw")
    async def raw() -> None:
        raise asyncpg.InternalClientError("unexpected connection_lost() call")

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://motcua.test") as api:
            answers = [
                await api.post(path)
                for path in ("/api/v1/test-commit-wrapped", "/api/v1/test-commit-raw")
            ]

    for response in answers:
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "5"
        detail = response.json()["detail"]
        assert detail["code"] == "outcome_unknown"
        assert "Idempotency-Key" in detail["message"]
        assert "Xem lại hồ sơ" in detail["message"]
