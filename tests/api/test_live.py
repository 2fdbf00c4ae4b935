"""The live event stream: new events in scope, resumable with Last-Event-ID."""

import asyncio
import json

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from motcua.settings import Settings
from tests.auth import bearer
from tests.journeys import drive, submit


def _events(body: str) -> list[tuple[str, dict[str, object]]]:
    found = []
    for block in body.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if lines.get("event") == "dossier":
            found.append((lines["id"], json.loads(lines["data"])))
    return found


async def test_the_stream_sends_new_events_of_its_unit_and_resumes(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    as_commune = {"Authorization": bearer(settings, "clerk.xa-vu-bon")}
    stream = asyncio.create_task(
        api.get(
            "/api/v1/events/stream",
            params={"max_events": 3, "poll_seconds": 0.1},
            headers=as_commune,
        )
    )
    await asyncio.sleep(0.5)
    await submit(api, receiving_unit="phuong-tan-lap")  # another commune: not in scope
    code = await submit(api, procedure_code="2.000488", receiving_unit="xa-vu-bon")
    await drive(api, code, "accept", "transfer")

    response = await asyncio.wait_for(stream, timeout=30)

    assert response.headers["content-type"].startswith("text/event-stream")
    events = _events(response.text)
    assert [(e["code"], e["type"]) for _, e in events] == [
        (code, "submitted"),
        (code, "accepted"),
        (code, "transferred"),
    ]
    assert events[0][1]["label_vi"] == "Nộp hồ sơ"
    resumed = await api.get(
        "/api/v1/events/stream",
        params={"max_events": 2, "poll_seconds": 0.1},
        headers={**as_commune, "Last-Event-ID": str(events[0][0])},
    )
    assert [e["type"] for _, e in _events(resumed.text)] == ["accepted", "transferred"]


async def test_the_stream_needs_a_signed_in_user(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/events/stream", auth=None)

    assert response.status_code == 401


_EVENT = text(
    "INSERT INTO dossier_event (dossier_code, seq, type, at, actor, actor_unit, to_status, "
    "sub_state, data) VALUES (:code, :seq, 'deadline_recomputed', now(), 'system', "
    "'xa-vu-bon', 1, 'awaiting_receipt', '{}') RETURNING id"
)


async def test_an_event_committed_after_a_later_one_is_still_sent(
    api: httpx.AsyncClient, settings: Settings, engine: AsyncEngine
) -> None:
    code = await submit(api, procedure_code="2.000488", receiving_unit="xa-vu-bon")
    as_commune = {"Authorization": bearer(settings, "clerk.xa-vu-bon")}
    stream = asyncio.create_task(
        api.get(
            "/api/v1/events/stream",
            params={"max_events": 2, "poll_seconds": 0.1},
            headers=as_commune,
        )
    )
    await asyncio.sleep(0.5)

    # A slow transaction takes the lower id and commits last, after a reader has polled.
    async with engine.connect() as slow, engine.connect() as fast:
        slow_tx = await slow.begin()
        first = (await slow.execute(_EVENT, {"code": code, "seq": 100})).scalar_one()
        async with fast.begin():
            second = (await fast.execute(_EVENT, {"code": code, "seq": 101})).scalar_one()
        assert first < second
        await asyncio.sleep(1.0)
        await slow_tx.commit()

    response = await asyncio.wait_for(stream, timeout=30)

    events = _events(response.text)
    assert [e["seq"] for _, e in events] == [100, 101]
    assert [int(position.split(".")[1]) for position, _ in events] == [first, second]
