"""Live dossier events as Server-Sent Events, for dashboards and integrations.

The stream reads the append-only log, so any API replica serves it and a client that
reconnects with `Last-Event-ID` misses nothing.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, or_
from sqlmodel import col, select

from api.access import province_wide
from api.auth import CurrentUser
from api.deps import ResourcesDep
from api.routing import api_router
from db.models import DossierEventRow, DossierRow
from db.session import SessionMaker
from schemas.events import EventType

router = api_router(prefix="/events", tags=["live events"])
HEARTBEAT_SECONDS = 15.0


@router.get(
    "/stream",
    summary="Server-sent events: every new dossier event in scope",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(
    request: Request,
    resources: ResourcesDep,
    user: CurrentUser,
    unit: str | None = None,
    poll_seconds: Annotated[float, Query(ge=0.1, le=10)] = 1.0,
    max_events: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    # Staff below the province follow their own unit whatever they ask for.
    scope = unit if province_wide(user) else user.unit
    start = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
    events = _events(request, resources.sessionmaker, scope, start, poll_seconds, max_events)
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(
    request: Request,
    sessionmaker: SessionMaker,
    unit: str | None,
    after: int | None,
    poll_seconds: float,
    max_events: int | None,
) -> AsyncIterator[str]:
    if after is None:
        async with sessionmaker() as session:
            after = int((await session.exec(select(func.max(DossierEventRow.id)))).one() or 0)
    sent, quiet = 0, 0.0
    yield "retry: 3000\n\n"
    while max_events is None or sent < max_events:
        if await request.is_disconnected():
            return
        statement = (
            select(DossierEventRow, DossierRow.competent_authority)
            .join(DossierRow, col(DossierRow.code) == col(DossierEventRow.dossier_code))
            .where(col(DossierEventRow.id) > after)
            .order_by(col(DossierEventRow.id))
            .limit(500)
        )
        if unit is not None:
            statement = statement.where(
                or_(
                    col(DossierRow.receiving_unit) == unit,
                    col(DossierRow.competent_authority) == unit,
                    col(DossierRow.holder_unit) == unit,
                )
            )
        async with sessionmaker() as session:
            rows = list(await session.exec(statement))
        for event, competent in rows:
            after = event.id or after
            payload = {
                "code": event.dossier_code,
                "seq": event.seq,
                "type": event.type,
                "label_vi": EventType(event.type).label_vi,
                "at": event.at.isoformat(),
                "to_status": event.to_status,
                "actor_unit": event.actor_unit,
                "competent_authority": competent,
            }
            yield f"id: {event.id}\nevent: dossier\ndata: {json.dumps(payload)}\n\n"
            sent += 1
            if max_events is not None and sent >= max_events:
                return
        if not rows:
            await asyncio.sleep(poll_seconds)
            quiet += poll_seconds
            if quiet >= HEARTBEAT_SECONDS:
                quiet = 0.0
                yield ": ping\n\n"  # keeps proxies from closing an idle stream
        else:
            quiet = 0.0
