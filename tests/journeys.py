"""Driving a dossier through the API as the staff the law expects (see tests/auth.py)."""

from typing import Any

import httpx

from tests.factories import action_body, submission


async def submit(api: httpx.AsyncClient, **overrides: Any) -> str:
    response = await api.post("/api/v1/dossiers", json=submission(**overrides))
    assert response.status_code == 201, response.text
    code: str = response.json()["code"]
    return code


async def all_received(
    api: httpx.AsyncClient, code: str, form: str = "copy"
) -> list[dict[str, Any]]:
    """The checklist of a clerk who found every paper at the counter, in `form`."""
    response = await api.get(f"/api/v1/dossiers/{code}/checklist")
    assert response.status_code == 200, response.text
    return [
        {"slot": line["slot"], "state": "received", "form": form}
        for line in response.json()["lines"]
    ]


SCAN = b"%PDF-1.7\n% ban quet tai quay\n" + bytes(range(256)) * 8


async def scan(api: httpx.AsyncClient, code: str, form: str = "copy") -> None:
    """The counter scans every paper of the procedure, one file each."""
    for line in (await api.get(f"/api/v1/dossiers/{code}/checklist")).json()["lines"]:
        response = await api.post(
            f"/api/v1/dossiers/{code}/documents",
            data={"slot": str(line["slot"]), "form": form},
            files=[("files", (f"quet-{line['slot']}.pdf", SCAN))],
        )
        assert response.status_code == 201, response.text


async def act(api: httpx.AsyncClient, code: str, action: str, **body: Any) -> dict[str, Any]:
    if action == "accept" and "checklist" not in body and "override_reason" not in body:
        # A test about something else accepts a complete dossier, as most are.
        body["checklist"] = await all_received(api, code)
    response = await api.post(
        f"/api/v1/dossiers/{code}/actions/{action}", json=action_body(action, **body)
    )
    assert response.status_code == 200, f"{action}: {response.text}"
    detail: dict[str, Any] = response.json()
    return detail


async def drive(api: httpx.AsyncClient, code: str, *actions: str) -> dict[str, Any]:
    detail: dict[str, Any] = {}
    for action in actions:
        detail = await act(api, code, action)
    return detail


async def send_back(api: httpx.AsyncClient, code: str) -> dict[str, Any]:
    """The officer finds the application form missing: back to the counter (Form 02)."""
    return await act(
        api,
        code,
        "appraise",
        result="insufficient",
        findings="Thiếu tờ khai",
        missing_documents=["Tờ khai"],
    )
