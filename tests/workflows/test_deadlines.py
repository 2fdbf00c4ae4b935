"""Deadlines on the real dev server with time skipping: weeks of virtual time in seconds.

Each test moves one dossier's own clock on purpose (`fast_forward`); the rest of the
server runs in real time.
"""

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from db.models import NotificationRow
from db.session import SessionMaker
from motcua.settings import Settings
from motcua.worker import build_worker
from schemas.messages import CITIZEN_KIND
from tests.journeys import act, drive, send_back, submit
from tests.province import province_calendar

JUSTICE = {"procedure_code": "2.000488", "receiving_unit": "xa-vu-bon"}
RUNGS = ["reminder-70", "warning-90", "apology-1wd", "breach"]


async def detail(api: httpx.AsyncClient, code: str) -> dict[str, Any]:
    response = await api.get(f"/api/v1/dossiers/{code}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def eventually(
    api: httpx.AsyncClient, code: str, event_type: str, *, seconds: float = 10
) -> dict[str, Any]:
    """Signals are delivered before the API answers but handled by the worker after."""
    for _ in range(int(seconds / 0.1)):
        dossier = await detail(api, code)
        if dossier["timeline"][-1]["type"] == event_type:
            return dossier
        await asyncio.sleep(0.1)
    raise AssertionError(f"{code} recorded no {event_type} within {seconds} s")


def fired_events(dossier: dict[str, Any]) -> list[str]:
    alarm_types = {"deadline_warning", "apology_required", "deadline_breached"}
    return [e["type"] for e in dossier["timeline"] if e["type"] in alarm_types]


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


# The staff's alarms, not the applicant's messages the same dossier queues.
STAFF_ALARM = ~col(NotificationRow.kind).startswith(CITIZEN_KIND)


async def _notifications(sessionmaker: SessionMaker, code: str) -> list[tuple[int, str, str]]:
    async with sessionmaker() as session:
        rows = await session.exec(
            select(NotificationRow)
            .where(NotificationRow.dossier_code == code, STAFF_ALARM)
            .order_by(col(NotificationRow.seq), col(NotificationRow.recipient))
        )
        return [(row.seq, row.recipient, row.status) for row in rows]


async def _delivered(
    sessionmaker: SessionMaker, code: str, count: int, *, seconds: float = 10
) -> list[tuple[int, str, str]]:
    """The worker's dispatcher sends what the event queued, just after it is logged."""
    for _ in range(int(seconds / 0.1)):
        rows = await _notifications(sessionmaker, code)
        if len(rows) >= count and all(status == "sent" for _, _, status in rows):
            return rows
        await asyncio.sleep(0.1)
    raise AssertionError(f"{code}: {count} notifications not all sent within {seconds} s")


async def test_each_rung_fires_once_in_order_and_notifies(
    api: httpx.AsyncClient, temporal_env: WorkflowEnvironment, sessionmaker: SessionMaker
) -> None:
    code = await submit(api, **JUSTICE)
    planned = await drive(api, code, "accept", "transfer", "assign")
    assert [a["rung_id"] for a in planned["due"]["alarms"]] == RUNGS

    await temporal_env.fast_forward(
        temporal_env.client.get_workflow_handle(code), timedelta(days=30)
    )
    after = await detail(api, code)
    await temporal_env.fast_forward(
        temporal_env.client.get_workflow_handle(code), timedelta(days=30)
    )
    later = await detail(api, code)

    assert after["due"]["fired_rungs"] == RUNGS
    assert fired_events(after) == [
        "deadline_warning",
        "deadline_warning",
        "apology_required",
        "deadline_breached",
    ]
    assert fired_events(later) == fired_events(after)
    assert after["due"]["apology_required"] is True
    breach = next(e for e in after["timeline"] if e["type"] == "deadline_breached")
    assert _at(breach["at"]) >= _at(planned["due"]["due_at"])
    sent = await _delivered(sessionmaker, code, 6)
    recipients = {recipient for _, recipient, _ in sent}
    # The breach reaches the province's supervisors, addressed at the province's own unit.
    assert recipients == {"officer.a@so-tu-phap", "leader@so-tu-phap", "supervisor@dak-lak"}
    assert len(sent) == 6  # 1 + 1 + 2 + 2, none twice
    async with sessionmaker() as session:
        texts = (
            await session.exec(
                select(NotificationRow.message_vi).where(
                    NotificationRow.dossier_code == code, STAFF_ALARM
                )
            )
        ).all()
    # The due date in the province's time, as a clerk reads it, not an ISO instant.
    assert all("Hạn giải quyết: " in text and "+00:00" not in text for text in texts)


async def test_rungs_fire_once_across_a_worker_restart(
    app_without_worker: httpx.AsyncClient,
    temporal_env: WorkflowEnvironment,
    settings: Settings,
    sessionmaker: SessionMaker,
) -> None:
    api = app_without_worker
    handle_of = temporal_env.client.get_workflow_handle
    async with build_worker(temporal_env.client, settings, sessionmaker):
        code = await submit(api, **JUSTICE)
        await drive(api, code, "accept", "transfer", "assign")
        # Past the 70 % reminder; the 90 % timer is pending when the worker goes away.
        await temporal_env.fast_forward(handle_of(code), timedelta(days=12))
        first = await detail(api, code)
    assert first["due"]["fired_rungs"] == ["reminder-70"]

    async with build_worker(temporal_env.client, settings, sessionmaker, max_cached_workflows=0):
        await temporal_env.fast_forward(handle_of(code), timedelta(days=30))
        final = await detail(api, code)

    assert final["due"]["fired_rungs"] == RUNGS
    assert len(fired_events(final)) == 4
    sent = await _notifications(sessionmaker, code)
    assert len(sent) == len({(seq, recipient) for seq, recipient, _ in sent}) == 6


async def test_a_calendar_override_moves_the_pending_timer(
    api: httpx.AsyncClient, temporal_env: WorkflowEnvironment
) -> None:
    code = await submit(api, **JUSTICE)
    before = await drive(api, code, "accept", "transfer", "assign")
    old_due = _at(before["due"]["due_at"])
    # A typhoon day declared off in the middle of the dossier's window.
    typhoon_day = (old_due - timedelta(days=5)).date()
    while not province_calendar().is_working_day(typhoon_day):
        typhoon_day -= timedelta(days=1)

    response = await api.put(
        f"/api/v1/calendar/overrides/{typhoon_day}",
        json={
            "day": str(typhoon_day),
            "kind": "day_off",
            "reason": "Bão số 13",
            "created_by": "admin.province",
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["dossiers_recomputed"] == 1
    moved = await eventually(api, code, "deadline_recomputed")
    new_due = _at(moved["due"]["due_at"])
    assert province_calendar().working_hours_between(old_due, new_due) == pytest.approx(8)
    assert "Bão số 13" in moved["due"]["explanation_en"]

    handle = temporal_env.client.get_workflow_handle(code)
    virtual_now = _at(moved["timeline"][-1]["at"])
    await temporal_env.fast_forward(handle, old_due - virtual_now + timedelta(minutes=30))
    at_old_due = await detail(api, code)
    assert "breach" not in at_old_due["due"]["fired_rungs"]
    await temporal_env.fast_forward(handle, timedelta(days=5))
    breached = await detail(api, code)
    breach = next(e for e in breached["timeline"] if e["type"] == "deadline_breached")
    assert _at(breach["at"]) >= new_due


async def test_a_late_holiday_moves_the_legal_date_of_an_extended_dossier(
    api: httpx.AsyncClient,
) -> None:
    code = await submit(api, **JUSTICE)
    await drive(api, code, "accept", "transfer", "assign", "draft_extension")
    extended = await act(api, code, "approve_extension")
    legal_due, current_due = _at(extended["due"]["legal_due_at"]), extended["due"]["due_at"]
    holiday = (legal_due - timedelta(days=5)).date()
    while not province_calendar().is_working_day(holiday):
        holiday -= timedelta(days=1)

    response = await api.put(
        f"/api/v1/calendar/overrides/{holiday}",
        json={"day": str(holiday), "kind": "day_off", "reason": "Nghỉ bù", "created_by": "a"},
    )

    assert response.json()["dossiers_recomputed"] == 1
    moved = await eventually(api, code, "deadline_recomputed")
    new_legal = _at(moved["due"]["legal_due_at"])
    assert province_calendar().working_hours_between(legal_due, new_legal) == pytest.approx(8)
    # The date promised in the apology letter (Form 04) stands as written.
    assert moved["due"]["due_at"] == current_due
    events = (await api.get(f"/api/v1/dossiers/{code}/events")).json()
    assert [e["type"] for e in events].count("deadline_recomputed") == 1
    logged = events[-1]["data"]
    assert _at(logged["previous_legal_due_at"]) == legal_due
    assert _at(logged["legal_due_at"]) == new_legal


async def test_an_expired_supplement_request_stops_the_dossier(
    api: httpx.AsyncClient, temporal_env: WorkflowEnvironment
) -> None:
    code = await submit(api)
    asked = await act(api, code, "request_supplement", respond_within_days=2)
    respond_by = _at(asked["due"]["supplement_due_at"])

    handle = temporal_env.client.get_workflow_handle(code)
    await temporal_env.fast_forward(handle, timedelta(days=10))
    stopped = await detail(api, code)

    assert (stopped["status"]["code"], stopped["sub_state"]["code"]) == (8, "closed")
    expired = stopped["timeline"][-1]
    assert expired["type"] == "supplement_expired"
    assert expired["reason"] == "Quá hạn nộp bổ sung hồ sơ"
    assert _at(expired["at"]) >= respond_by
    assert [f["form"] for f in stopped["forms"]] == ["02", "05"]
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED


async def test_a_supplement_pause_moves_the_due_date_by_the_paused_working_time(
    api: httpx.AsyncClient, temporal_env: WorkflowEnvironment
) -> None:
    code = await submit(api, **JUSTICE)
    before = await drive(api, code, "accept", "transfer", "assign")
    await send_back(api, code)

    await temporal_env.fast_forward(
        temporal_env.client.get_workflow_handle(code), timedelta(days=3)
    )
    resumed = await act(api, code, "submit_supplement")

    pause = resumed["pauses"][0]
    paused = province_calendar().working_hours_between(
        _at(pause["started_at"]), _at(pause["ended_at"])
    )
    assert paused > 0
    assert resumed["due"]["paused_working_hours"] == pytest.approx(paused)
    expected = province_calendar().add_working_hours(_at(before["due"]["due_at"]), paused)
    assert _at(resumed["due"]["due_at"]) == expected
    assert resumed["due"]["original_due_at"] == before["due"]["original_due_at"]
    assert resumed["due"]["fired_rungs"] == []  # no alarm while the clock was stopped


async def test_the_apology_letter_answers_the_rung_and_moves_the_breach(
    api: httpx.AsyncClient, temporal_env: WorkflowEnvironment
) -> None:
    code = await submit(api, **JUSTICE)
    planned = await drive(api, code, "accept", "transfer", "assign")
    handle = temporal_env.client.get_workflow_handle(code)
    old_due = _at(planned["due"]["due_at"])
    apology_at = next(a for a in planned["due"]["alarms"] if a["rung_id"] == "apology-1wd")
    await temporal_env.fast_forward(
        handle,
        _at(apology_at["fire_at"]) - _at(planned["timeline"][-1]["at"]) + timedelta(minutes=5),
    )
    required = await detail(api, code)
    assert required["due"]["apology_required"] is True

    new_date = (old_due + timedelta(days=7)).isoformat()
    await act(api, code, "draft_extension", new_due_at=new_date, reason="Chờ xác minh án tích")
    approved = await act(api, code, "approve_extension")
    await temporal_env.fast_forward(handle, timedelta(days=3))
    after_old_due = await detail(api, code)

    assert approved["due"]["apology_required"] is False
    assert _at(approved["due"]["due_at"]) == _at(new_date)
    assert approved["due"]["original_due_at"] == planned["due"]["original_due_at"]
    assert "breach" not in after_old_due["due"]["fired_rungs"]
    assert "04" in [f["form"] for f in approved["forms"]]
