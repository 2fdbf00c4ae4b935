"""Health reports the database and Temporal connections, and says which one is down."""

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from api.app import create_app
from api.deps import Resources
from db.session import make_engine, make_sessionmaker
from motcua.settings import Settings


async def test_healthy_when_both_answer(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"]
    assert body["temporal"]["ok"]
    assert body["database"]["latency_ms"] >= 0


async def test_degraded_when_the_database_is_unreachable(
    settings: Settings, temporal_client: Client, engine: AsyncEngine
) -> None:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    dead = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/motcua")
    app = create_app(
        settings, resources=Resources(settings, dead, make_sessionmaker(dead), temporal_client)
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/api/v1/health")
            ready = await client.get("/api/v1/health/ready")
            alive = await client.get("/api/v1/health/live")
    await dead.dispose()

    # Not ready (no traffic), but alive: the orchestrator must not restart the process.
    assert ready.status_code == 503
    assert alive.status_code == 200

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is False
    assert body["database"]["error"]
    assert body["temporal"]["ok"] is True


async def test_reference_lists(api: httpx.AsyncClient) -> None:
    communes = (await api.get("/api/v1/units", params={"level": "commune"})).json()
    procedures = (await api.get("/api/v1/procedures")).json()

    assert len(communes) == 102
    assert {p["code"] for p in procedures} >= {"1.001193", "2.000488"}
