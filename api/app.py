"""The FastAPI application and its lifespan: one engine and one Temporal client per process."""

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import (
    admin,
    auth,
    calendar,
    complaints,
    documents,
    dossiers,
    errors,
    health,
    live,
    metrics,
    notifications,
    observability,
    openapi,
    pages,
    payments,
    portal,
    queues,
    reference,
    results,
    supervision,
    tracking,
)
from api.deps import Resources
from api.routing import api_router
from api.security import SameOrigin, SecurityHeaders
from db.session import make_engine, make_sessionmaker
from motcua.settings import Settings, get_settings
from motcua.temporal import connect


def create_app(settings: Settings | None = None, resources: Resources | None = None) -> FastAPI:
    """Build the app; tests pass ready `resources` (their engine and Temporal client)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if resources is not None:
            app.state.resources = resources
            yield
            return
        config = settings or get_settings()
        engine = make_engine(config.resolved_database_url)
        try:
            client = await connect(config)
            app.state.resources = Resources(config, engine, make_sessionmaker(engine), client)
            pulling = None
            if config.portal_url:
                pulling = asyncio.create_task(portal.pull_forever(app.state.resources))
            # What exists at start-up (modules, routes, schemas) lives as long as the process:
            # keeping it out of the collector's full passes shortens the pauses under load.
            gc.collect()
            gc.freeze()
            yield
            if pulling is not None:
                pulling.cancel()
        finally:
            await engine.dispose()

    app = FastAPI(
        title="motcua — Một cửa",
        summary="Hệ thống giải quyết thủ tục hành chính một cửa · One-stop-shop dossier engine",
        version="0.1.0",
        lifespan=lifespan,
    )
    config = settings or get_settings()
    errors.install(app, upload_mb=config.documents_max_dossier_mb)
    # Outermost: every answer, errors included, carries the browser's protections.
    app.add_middleware(SameOrigin, cookie=auth.SESSION_COOKIE, allowed_origins=config.origins)
    app.add_middleware(SecurityHeaders)
    metrics.install(app)
    observability.install(app, settings or get_settings())
    v1 = api_router(prefix="/api/v1")
    # Routes are tried in order, and citizens' tracking is by far the most frequent.
    v1.include_router(tracking.router)
    v1.include_router(auth.router)
    v1.include_router(dossiers.router)
    v1.include_router(documents.router)
    v1.include_router(results.router)
    v1.include_router(complaints.router)
    v1.include_router(portal.router)
    v1.include_router(payments.router)
    v1.include_router(reference.router)
    v1.include_router(queues.router)
    v1.include_router(supervision.router)
    v1.include_router(notifications.router)
    v1.include_router(live.router)
    v1.include_router(calendar.router)
    v1.include_router(admin.router)
    v1.include_router(health.router)
    app.include_router(v1)
    app.include_router(metrics.router)
    pages.install(app)
    openapi.install(app)
    return app
