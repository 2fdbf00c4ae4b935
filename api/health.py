"""Is this process alive, and is it ready: the two questions an orchestrator asks apart.

Liveness answers from the process alone: a database or Temporal outage must not get every
API pod restarted (they would all come back to the same outage). Readiness checks the two
things the API cannot work without, so a load balancer sends no traffic while they are away.
"""

import time
from datetime import timedelta

from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import ResourcesDep
from api.routing import api_router
from schemas.health import ComponentHealth, Health

router = api_router(tags=["health"])


@router.get("/health/live", summary="The process answers (liveness)")
async def live() -> dict[str, str]:
    return {"status": "alive"}


@router.get(
    "/health/ready",
    response_model=Health,
    responses={503: {"model": Health}},
    summary="Database and Temporal answer (readiness)",
)
async def ready(resources: ResourcesDep) -> JSONResponse:
    return await health(resources)


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def health(resources: ResourcesDep) -> JSONResponse:
    database = await _check_database(resources)
    temporal = await _check_temporal(resources)
    ok = database.ok and temporal.ok
    body = Health(status="ok" if ok else "degraded", database=database, temporal=temporal)
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if ok else 503)


async def _check_database(resources: ResourcesDep) -> ComponentHealth:
    started = time.perf_counter()
    try:
        async with resources.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "down"; its text helps the operator
        return ComponentHealth(ok=False, error=str(exc)[:300])
    return ComponentHealth(ok=True, latency_ms=round((time.perf_counter() - started) * 1000, 2))


async def _check_temporal(resources: ResourcesDep) -> ComponentHealth:
    started = time.perf_counter()
    try:
        healthy = await resources.temporal.service_client.check_health(timeout=timedelta(seconds=3))
    except Exception as exc:
        return ComponentHealth(ok=False, error=str(exc)[:300])
    elapsed = round((time.perf_counter() - started) * 1000, 2)
    return ComponentHealth(ok=healthy, latency_ms=elapsed, error=None if healthy else "unhealthy")
