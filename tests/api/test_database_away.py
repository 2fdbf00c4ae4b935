"""The database away (stopped, restarting, failing over): every caller gets a 503 to retry,
Vietnamese first, never a 500 with a trace. `tests/faults` stops the real PostgreSQL while
dossiers move; here the API points at an address where no database listens."""

from collections.abc import AsyncIterator

import httpx
import pytest
from temporalio.client import Client

from api.app import create_app
from api.deps import Resources
from db.session import make_engine, make_sessionmaker
from motcua.settings import Settings
from tests.auth import StaffAuth
from tests.factories import submission

# Nothing listens on port 1: every connection is refused, as with a stopped server.
NO_DATABASE = "postgresql+asyncpg://postgres@127.0.0.1:1/motcua"
CODE = "202.00.00.H15-261130-0001"


@pytest.fixture
async def api_without_database(
    settings: Settings, temporal_client: Client
) -> AsyncIterator[httpx.AsyncClient]:
    engine = make_engine(NO_DATABASE)
    app = create_app(
        settings, resources=Resources(settings, engine, make_sessionmaker(engine), temporal_client)
    )
    async with app.router.lifespan_context(app):
        # A page's error passes Starlette's last handler, which raises it again for the
        # server to log once the answer is sent; the client must read that answer.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://motcua.test", auth=StaffAuth(settings)
        ) as client:
            yield client
    await engine.dispose()


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/track/{CODE}?secret=abc",  # a citizen's look-up
        "/api/v1/queues/phuong-tan-lap",  # a clerk's queue: signing in reads the user first
        f"/api/v1/dossiers/{CODE}",
    ],
)
async def test_an_api_call_answers_503_and_asks_to_retry(
    api_without_database: httpx.AsyncClient, path: str
) -> None:
    response = await api_without_database.get(path)
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"
    detail = response.json()["detail"]
    assert detail["code"] == "database_unavailable"
    assert "mất kết nối cơ sở dữ liệu" in detail["message"]
    assert "lost its database" in detail["message_en"]


async def test_a_submission_answers_503_and_starts_no_dossier(
    api_without_database: httpx.AsyncClient, settings: Settings, temporal_client: Client
) -> None:
    response = await api_without_database.post(
        "/api/v1/dossiers", json=submission(), headers={"Idempotency-Key": "away-1"}
    )
    assert response.status_code == 503, response.text
    assert response.json()["detail"]["code"] == "database_unavailable"
    started = [
        w async for w in temporal_client.list_workflows(f"TaskQueue = '{settings.task_queue}'")
    ]
    assert started == []


async def test_a_page_answers_503_in_vietnamese(api_without_database: httpx.AsyncClient) -> None:
    response = await api_without_database.get("/tra-cuu", params={"code": CODE, "secret": "abc"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "mất kết nối cơ sở dữ liệu" in response.text
    assert "Traceback" not in response.text
