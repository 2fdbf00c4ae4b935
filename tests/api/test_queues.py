"""Work queues per unit and role: filters, due-date order, pages; bulk reassignment."""

from datetime import datetime

import httpx

from motcua.settings import Settings
from tests.journeys import act, drive, submit

JUSTICE = {"procedure_code": "2.000488", "receiving_unit": "xa-vu-bon"}


async def test_each_role_sees_its_work_soonest_due_first(api: httpx.AsyncClient) -> None:
    waiting = await submit(api, **JUSTICE)
    at_authority = [await submit(api, **JUSTICE) for _ in range(3)]
    for code in at_authority:
        await drive(api, code, "accept", "transfer")
    await act(api, at_authority[1], "assign")

    clerk = (await api.get("/api/v1/queues/xa-vu-bon", params={"role": "clerk"})).json()
    leader = (await api.get("/api/v1/queues/so-tu-phap", params={"role": "leader"})).json()
    officer = (
        await api.get(
            "/api/v1/queues/so-tu-phap", params={"role": "officer", "assignee": "officer.a"}
        )
    ).json()

    assert [i["code"] for i in clerk["items"]] == [waiting]
    assert {i["code"] for i in leader["items"]} == {at_authority[0], at_authority[2]}
    assert [i["code"] for i in officer["items"]] == [at_authority[1]]
    dues = [datetime.fromisoformat(i["due_at"]) for i in leader["items"]]
    assert dues == sorted(dues)


async def test_pages_and_filters(api: httpx.AsyncClient) -> None:
    codes = [await submit(api, **JUSTICE) for _ in range(5)]
    for code in codes:
        await drive(api, code, "accept", "transfer")

    first = (await api.get("/api/v1/queues/so-tu-phap", params={"size": 2})).json()
    third = (await api.get("/api/v1/queues/so-tu-phap", params={"size": 2, "page": 3})).json()
    soon = (await api.get("/api/v1/queues/so-tu-phap", params={"due_within_hours": 4})).json()
    late = (await api.get("/api/v1/queues/so-tu-phap", params={"overdue": True})).json()
    other = (await api.get("/api/v1/queues/so-tu-phap", params={"procedure": "1.001193"})).json()

    assert first["total"] == 5
    assert len(first["items"]) == 2
    assert len(third["items"]) == 1
    assert soon["total"] == 0  # ten working days ahead
    assert late["total"] == 0
    assert other["total"] == 0


async def test_bulk_reassignment_moves_one_officers_work(api: httpx.AsyncClient) -> None:
    codes = [await submit(api, **JUSTICE) for _ in range(3)]
    for code in codes:
        await drive(api, code, "accept", "transfer", "assign")
    before = (await api.get(f"/api/v1/dossiers/{codes[0]}")).json()

    response = await api.post(
        "/api/v1/queues/so-tu-phap/reassign",
        json={
            "from_officer": "officer.a",
            "to_officer": "officer.c",
            "reason": "Cán bộ nghỉ phép",
        },
    )

    assert response.json()["matched"] == 3
    moved = (await api.get("/api/v1/queues/so-tu-phap", params={"assignee": "officer.c"})).json()
    assert moved["total"] == 3
    after = (await api.get(f"/api/v1/dossiers/{codes[0]}")).json()
    assert after["due"]["due_at"] == before["due"]["due_at"]
    assert after["timeline"][-1]["type"] == "reassigned"


async def test_an_unknown_unit_is_404(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/v1/queues/xa-khong-co")).status_code == 404


async def test_an_officer_claims_from_the_queue(api: httpx.AsyncClient, settings: Settings) -> None:
    code = await submit(api, **JUSTICE)
    await drive(api, code, "accept", "transfer")

    claimed = await act(api, code, "claim")

    assert claimed["assignee"] == "officer.so-tu-phap"
    assert claimed["sub_state"]["code"] == "in_appraisal"
    mine = (
        await api.get("/api/v1/queues/so-tu-phap", params={"assignee": "officer.so-tu-phap"})
    ).json()
    assert [i["code"] for i in mine["items"]] == [code]
