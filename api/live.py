"""Live dossier events as Server-Sent Events, for dashboards and integrations.

The stream reads the append-only log, so any API replica serves it and a client that
reconnects with `Last-Event-ID` misses nothing: each event's id is its commit-safe position
in the log (`xid.id`, see db/log_position.py), never just the row's id.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import or_
from sqlmodel import col, select

from api.auth import CurrentUser
from api.deps import ResourcesDep
from api.routing import api_router
from db import log_position
from db.log_position import LogPosition
from db.models import DossierEventRow, DossierRow
from db.session import SessionMaker
from db.upsert import dialect_of
from schemas.events import EventType
from services.access import province_wide

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
    start = None
    if last_event_id:
        async with resources.sessionmaker() as session:
            start = await log_position.resolve(session, last_event_id.strip())
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
    after: LogPosition | None,
    poll_seconds: float,
    max_events: int | None,
) -> AsyncIterator[str]:
    async with sessionmaker() as session:
        dialect = dialect_of(session)
        if after is None:
            after = await log_position.current(session)
    sent, quiet = 0, 0.0
    yield "retry: 3000\n\n"
    while max_events is None or sent < max_events:
        if await request.is_disconnected():
            return
        statement = log_position.following(
            select(DossierEventRow, DossierRow.competent_authority, log_position.XID).join(
                DossierRow, col(DossierRow.code) == col(DossierEventRow.dossier_code)
            ),
            after,
            dialect,
        ).limit(500)
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
        for event, competent, xid in rows:
            after = LogPosition(int(xid), int(event.id or 0))
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
            yield f"id: {after}\nevent: dossier\ndata: {json.dumps(payload)}\n\n"
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
