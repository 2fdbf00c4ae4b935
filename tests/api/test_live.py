"""The live event stream: new events in scope, resumable with Last-Event-ID."""

import asyncio
import json

import httpx

from motcua.settings import Settings
from tests.auth import bearer
from tests.journeys import drive, submit


def _events(body: str) -> list[tuple[int, dict[str, object]]]:
    found = []
    for block in body.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if lines.get("event") == "dossier":
            found.append((int(lines["id"]), json.loads(lines["data"])))
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
