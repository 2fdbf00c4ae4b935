"""Every request: an id (the caller's X-Request-ID or a new one, echoed back), the dossier
it concerns, one log line when it ends, and, when enabled, an OpenTelemetry span."""

import logging
import re
import time
import uuid

from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from api.middleware import HttpMiddleware
from motcua.logs import DOSSIER, REQUEST_ID
from motcua.settings import Settings
from motcua.tracing import tracer_provider

log = logging.getLogger("motcua.requests")
_DOSSIER_PATH = re.compile(r"/(?:api/v1/(?:dossiers|track)|can-bo/ho-so|tra-cuu)/([^/?]+)")


class RequestContext(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = re.sub(r"[^A-Za-z0-9._-]", "", given)[:64] or uuid.uuid4().hex
        match = _DOSSIER_PATH.match(scope["path"])
        tokens = (REQUEST_ID.set(request_id), DOSSIER.set(match.group(1) if match else None))
        started, status = time.perf_counter(), [500]

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status[0],
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status[0],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            REQUEST_ID.reset(tokens[0])
            DOSSIER.reset(tokens[1])


def install(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(RequestContext)
    provider = tracer_provider(settings)
    if provider is not None:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
