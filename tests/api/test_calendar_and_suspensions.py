"""Administrators' tools: calendar overrides, bulk suspension, and where the time went."""

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.journeys import drive, submit
from tests.province import province_calendar
from tests.workflows.test_deadlines import detail, eventually

JUSTICE_AT = {"procedure_code": "2.000488"}


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_overrides_are_listed_and_removed(api: httpx.AsyncClient) -> None:
    body = {
        "day": "2026-12-28",
        "kind": "working_day",
        "reason": "Làm bù cho ngày 2/1/2027",
        "created_by": "admin.province",
    }

    put = await api.put("/api/v1/calendar/overrides/2026-12-28", json=body)
    listed = (await api.get("/api/v1/calendar/overrides")).json()
    removed = await api.delete("/api/v1/calendar/overrides/2026-12-28")
    again = await api.delete("/api/v1/calendar/overrides/2026-12-28")

    assert put.status_code == 200
    assert put.json()["dossiers_recomputed"] == 0
    assert [o["day"] for o in listed] == ["2026-12-28"]
    assert removed.status_code == 200
    assert again.status_code == 404
    assert "Không có điều chỉnh lịch" in again.json()["detail"]["message"]


async def test_the_due_date_calculator_explains_itself(api: httpx.AsyncClient) -> None:
    response = await api.get(
        "/api/v1/calendar/due",
        params={"value": 3, "unit": "working_days", "start": "2026-02-13T16:40:00+07:00"},
    )

    assert response.status_code == 200
    answer = response.json()
    assert _at(answer["due_at"]) == _at("2026-02-25T16:40:00+07:00")
    assert "không tính ngày nghỉ 16/02" in answer["explanation_vi"]


async def test_an_invalid_override_names_the_field(api: httpx.AsyncClient) -> None:
    response = await api.put(
        "/api/v1/calendar/overrides/2026-12-01",
        json={"day": "2026-12-01", "kind": "holiday", "reason": "x", "created_by": "a"},
    )

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["detail"]} == {"kind", "reason"}


async def test_bulk_suspension_reaches_the_matching_dossiers_only(
    api: httpx.AsyncClient,
) -> None:
    flooded = [await submit(api, receiving_unit="xa-vu-bon", **JUSTICE_AT) for _ in range(2)]
    dry = await submit(api, receiving_unit="phuong-tan-lap", **JUSTICE_AT)
    not_accepted = await submit(api, receiving_unit="xa-vu-bon", **JUSTICE_AT)
    before: dict[str, Any] = {}
    for code in [*flooded, dry]:
        before[code] = await drive(api, code, "accept", "transfer")
    # The window is two whole working days after acceptance, whatever the hour the test
    # runs at: a window taken from the wall clock can hold no working hour at all.
    calendar = province_calendar()
    accepted = _at(before[flooded[0]]["accepted_at"])
    first = calendar.end_of_working_day(accepted.astimezone(calendar.tz).date())
    start = calendar.clock_start(first)
    end = calendar.add_working_hours(start, 2 * calendar.hours_per_day)
    window = {"paused_from": start.isoformat(), "paused_to": end.isoformat()}

    response = await api.post(
        "/api/v1/admin/suspensions",
        json={
            "units": ["xa-vu-bon"],
            **window,
            "legal_reference": "Quyết định 1234/QĐ-UBND ngày 20/11/2026 của UBND tỉnh",
            "reason": "Lũ lớn, chia cắt giao thông",
        },
    )

    assert response.status_code == 200, response.text
    assert response.json()["matched"] == 2
    assert sorted(response.json()["codes"]) == sorted(flooded)
    for code in flooded:
        after = await eventually(api, code, "suspended")
        event = after["timeline"][-1]
        assert event["reason"] == "Lũ lớn, chia cắt giao thông"
        assert after["pauses"][-1]["legal_reference"].startswith("Quyết định 1234")
        paused = calendar.working_hours_between(start, end)
        assert paused == 16
        assert _at(after["due"]["due_at"]) == calendar.add_working_hours(
            _at(before[code]["due"]["due_at"]), paused
        )
    assert (await detail(api, dry))["timeline"][-1]["type"] == "transferred"
    assert (await detail(api, not_accepted))["timeline"][-1]["type"] == "submitted"


async def test_bulk_extension_by_procedure_adds_working_days(api: httpx.AsyncClient) -> None:
    code = await submit(api, receiving_unit="xa-vu-bon", **JUSTICE_AT)
    before = await drive(api, code, "accept")

    response = await api.post(
        "/api/v1/admin/suspensions",
        json={
            "procedures": ["2.000488"],
            "extra_working_days": 2,
            "legal_reference": "Nghị định 99/2026/NĐ-CP",
            "reason": "Chuyển đổi hệ thống",
        },
    )

    assert response.json()["matched"] == 1
    after = await eventually(api, code, "suspended")
    assert province_calendar().working_hours_between(
        _at(before["due"]["due_at"]), _at(after["due"]["due_at"])
    ) == pytest.approx(16)
    assert after["due"]["legal_due_at"] == before["due"]["legal_due_at"]


async def test_a_bulk_request_must_say_what_to_do(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v1/admin/suspensions",
        json={
            "units": ["xa-vu-bon"],
            "legal_reference": "QĐ 1",
            "reason": "Không rõ",
        },
    )

    assert response.status_code == 422
    assert "extra_working_days" in response.json()["detail"][0]["msg_en"]


async def test_time_is_accounted_per_level_and_step(
    api: httpx.AsyncClient, temporal_env: WorkflowEnvironment
) -> None:
    code = await submit(api, receiving_unit="xa-vu-bon", **JUSTICE_AT)
    handle = temporal_env.client.get_workflow_handle(code)
    await drive(api, code, "accept")
    await temporal_env.fast_forward(handle, timedelta(days=1))
    await drive(api, code, "transfer")
    await temporal_env.fast_forward(handle, timedelta(days=2))
    dossier = await drive(api, code, "assign")

    account = (await api.get(f"/api/v1/dossiers/{code}/time")).json()

    times = {e["type"]: _at(e["at"]) for e in dossier["timeline"]}
    calendar = province_calendar()
    commune = calendar.working_hours_between(times["submitted"], times["transferred"])
    province = calendar.working_hours_between(times["transferred"], times["assigned"])
    assert account["by_level"]["commune"] == pytest.approx(commune, abs=0.01)
    # The last stretch (in appraisal) runs to the real now, before this dossier's virtual
    # clock, so it adds nothing here.
    assert account["by_level"]["province"] == pytest.approx(province, abs=0.01)
    assert commune > 0
    assert province > 0
    steps = [(s["sub_state"], s["unit"], s["level"]) for s in account["steps"]]
    assert steps[:3] == [
        ("awaiting_receipt", "xa-vu-bon", "commune"),
        ("awaiting_transfer", "xa-vu-bon", "commune"),
        ("awaiting_assignment", "so-tu-phap", "province"),
    ]


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-12-02T14:59:00+07:00", "2026-12-02T17:00:00+07:00"),
        ("2026-12-02T15:01:00+07:00", "2026-12-03T17:00:00+07:00"),
        ("2026-12-04T16:00:00+07:00", "2026-12-07T17:00:00+07:00"),
    ],
)
async def test_the_same_day_calculator_applies_the_15_00_cut_off_by_default(
    api: httpx.AsyncClient, start: str, expected: str
) -> None:
    response = await api.get(
        "/api/v1/calendar/due", params={"value": 0, "unit": "same_day", "start": start}
    )

    assert response.status_code == 200, response.text
    assert _at(response.json()["due_at"]) == _at(expected)
    assert "15:00" in response.json()["explanation_vi"]


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "field"),
    [
        ("GET", "/api/v1/calendar/due", {"value": 1, "start": "0.0"}, None, "start"),
        ("PUT", "/api/v1/calendar/overrides/0002-01-01", None, None, "day"),
        (
            "GET",
            "/api/v1/supervision/statistics",
            {"start": "8368-01-01", "end": "8368-01-02"},
            None,
            "start",
        ),
    ],
)
async def test_dates_outside_any_sane_range_are_refused_naming_the_field(
    api: httpx.AsyncClient,
    method: str,
    path: str,
    params: dict[str, Any] | None,
    body: dict[str, Any] | None,
    field: str,
) -> None:
    day = path.rsplit("/", 1)[-1]
    json = body or {"day": day, "kind": "day_off", "reason": "Thử", "created_by": "a"}
    response = await api.request(
        method, path, params=params, json=json if method == "PUT" else None
    )

    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["detail"]}
