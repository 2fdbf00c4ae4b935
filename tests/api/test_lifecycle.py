"""Every lifecycle path of Decree 118/2025, end to end over HTTP on the real server."""

from datetime import datetime
from typing import Any

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from tests.factories import action_body
from tests.journeys import act, drive, send_back, submit

JUSTICE = {"procedure_code": "2.000488", "receiving_unit": "xa-vu-bon"}
LAND_TRANSFER = {"procedure_code": "DLK-DD-02", "receiving_unit": "phuong-tan-an"}


def _state(detail: dict[str, Any]) -> tuple[int, str]:
    return detail["status"]["code"], detail["sub_state"]["code"]


async def _closed(client: Client, code: str) -> bool:
    description = await client.get_workflow_handle(code).describe()
    return description.status == WorkflowExecutionStatus.COMPLETED


async def test_full_path_from_commune_counter_to_province_and_back(
    api: httpx.AsyncClient, temporal_client: Client
) -> None:
    code = await submit(api, **JUSTICE)

    detail = await drive(
        api, code, "accept", "transfer", "assign", "appraise", "approve", "mark_result_ready"
    )
    assert _state(detail) == (9, "awaiting_return")
    detail = await act(api, code, "return_result", method="post")

    assert _state(detail) == (10, "closed")
    assert detail["status"]["name_vi"] == "Đã trả kết quả"
    assert detail["decision_number"] == "15/QĐ-UBND"
    assert [e["type"] for e in detail["timeline"]] == [
        "submitted",
        "accepted",
        "transferred",
        "assigned",
        "appraised",
        "approved",
        "result_ready",
        "result_returned",
    ]
    assert [f["form"] for f in detail["forms"]] == ["01"]
    handovers = (await api.get(f"/api/v1/dossiers/{code}/handovers")).json()
    assert [(h["from_unit"], h["to_unit"]) for h in handovers] == [
        ("xa-vu-bon", "so-tu-phap"),
        ("so-tu-phap", "xa-vu-bon"),
    ]
    assert await _closed(temporal_client, code)


async def test_every_event_records_actor_unit_time_and_states(api: httpx.AsyncClient) -> None:
    code = await submit(api, **JUSTICE)

    detail = await drive(api, code, "accept", "transfer", "assign")

    assigned = detail["timeline"][-1]
    assert assigned["actor"] == "leader.so-tu-phap"  # the signed-in leader, not the body
    assert assigned["actor_unit"] == "so-tu-phap"  # the unit holding the dossier
    assert (assigned["from_status"], assigned["to_status"]) == (4, 4)
    assert datetime.fromisoformat(assigned["at"]) >= datetime.fromisoformat(detail["submitted_at"])
    assert detail["assignee"] == "officer.a"


async def test_supplement_at_intake_then_accept(api: httpx.AsyncClient) -> None:
    code = await submit(api)

    requested = await act(api, code, "request_supplement", respond_within_days=5)
    assert _state(requested) == (5, "awaiting_supplement")
    assert requested["status"]["name_vi"] == "Yêu cầu bổ sung giấy tờ"
    assert [f["form"] for f in requested["forms"]] == ["02"]
    supplemented = await act(api, code, "submit_supplement")
    assert _state(supplemented) == (1, "awaiting_receipt")
    accepted = await act(api, code, "accept")

    assert _state(accepted) == (2, "awaiting_transfer")
    assert accepted["supplement_requests"] == 1
    assert accepted["due"]["late_by_rule"] is False


async def test_insufficient_appraisal_pauses_the_clock_and_returns_to_the_counter(
    api: httpx.AsyncClient,
) -> None:
    code = await submit(api, **JUSTICE)
    before = await drive(api, code, "accept", "transfer", "assign")

    back = await act(
        api,
        code,
        "appraise",
        result="insufficient",
        findings="Thiếu tờ khai",
        missing_documents=["Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp"],
    )
    assert _state(back) == (5, "awaiting_supplement")
    assert back["holder_unit"] == "xa-vu-bon"
    assert back["due"]["paused"] is True
    resumed = await act(api, code, "submit_supplement")

    assert _state(resumed) == (4, "in_appraisal")
    assert resumed["holder_unit"] == "so-tu-phap"
    assert resumed["due"]["paused"] is False
    assert resumed["pauses"][0]["reason"] == "supplement"
    assert resumed["due"]["original_due_at"] == before["due"]["original_due_at"]
    assert resumed["due"]["due_at"] >= before["due"]["due_at"]


async def test_a_second_supplement_request_needs_a_reason_and_counts_as_late(
    api: httpx.AsyncClient,
) -> None:
    code = await submit(api, **JUSTICE)
    await drive(api, code, "accept", "transfer", "assign")
    await send_back(api, code)
    await act(api, code, "submit_supplement")

    without_reason = await api.post(
        f"/api/v1/dossiers/{code}/actions/appraise",
        json=action_body(
            "appraise", result="insufficient", findings="Thiếu ảnh", missing_documents=["Ảnh 4x6"]
        ),
    )
    assert without_reason.status_code == 409
    assert "yêu cầu lần hai phải nêu lý do" in without_reason.json()["detail"]["message"]
    second = await act(
        api,
        code,
        "appraise",
        result="insufficient",
        findings="Thiếu ảnh",
        missing_documents=["Ảnh 4x6"],
        reason="Ảnh không đúng quy cách",
    )

    assert second["supplement_requests"] == 2
    assert second["due"]["late_by_rule"] is True
    logged = second["timeline"][-1]
    assert logged["type"] == "supplement_requested"
    assert logged["reason"] == "Ảnh không đúng quy cách"


@pytest.mark.parametrize("where", ["intake", "appraisal"])
async def test_a_sufficient_appraisal_after_the_one_supplement_needs_no_reason(
    api: httpx.AsyncClient, where: str
) -> None:
    code = await submit(api, **JUSTICE)
    if where == "intake":
        await act(api, code, "request_supplement", reason=None)
        await act(api, code, "submit_supplement")
        await drive(api, code, "accept", "transfer", "assign")
    else:
        await drive(api, code, "accept", "transfer", "assign")
        await send_back(api, code)
        await act(api, code, "submit_supplement")

    appraised = await act(api, code, "appraise", result="sufficient", findings="Đủ điều kiện")

    assert _state(appraised) == (4, "awaiting_signature")
    assert appraised["supplement_requests"] == 1
    assert appraised["due"]["late_by_rule"] is False


async def test_a_paid_fee_is_not_asked_for_again_without_naming_a_second_one(
    api: httpx.AsyncClient,
) -> None:
    code = await submit(api, **JUSTICE)
    await drive(api, code, "accept", "transfer", "assign", "appraise", "request_payment")
    paid = await act(api, code, "record_payment")
    assert _state(paid) == (4, "awaiting_signature")

    again = await api.post(
        f"/api/v1/dossiers/{code}/actions/request_payment", json=action_body("request_payment")
    )
    assert again.status_code == 409, again.text
    assert "đã nộp nghĩa vụ tài chính" in again.json()["detail"]["message"]
    events = (await api.get(f"/api/v1/dossiers/{code}/events")).json()
    assert [e["type"] for e in events].count("payment_requested") == 1
    second = await act(
        api, code, "request_payment", reason="Lệ phí trích lục bản sao, khác lệ phí cấp phiếu"
    )
    assert _state(second) == (6, "awaiting_payment")


async def test_refusal_at_intake_ends_the_dossier_with_form_03(
    api: httpx.AsyncClient, temporal_client: Client
) -> None:
    code = await submit(api)

    refused = await act(api, code, "refuse")

    assert _state(refused) == (3, "closed")
    assert refused["status"]["name_vi"] == "Không được tiếp nhận"
    assert refused["allowed_actions"] == []
    assert [f["form"] for f in refused["forms"]] == ["03"]
    assert await _closed(temporal_client, code)


async def test_withdrawal_then_stop_notice(api: httpx.AsyncClient, temporal_client: Client) -> None:
    code = await submit(api, **JUSTICE)
    await drive(api, code, "accept", "transfer")

    withdrawn = await act(api, code, "withdraw")
    assert _state(withdrawn) == (7, "awaiting_stop_notice")
    assert withdrawn["holder_unit"] == "xa-vu-bon"
    stopped = await act(api, code, "stop")

    assert _state(stopped) == (8, "closed")
    assert [f["form"] for f in stopped["forms"]] == ["01", "05"]
    assert await _closed(temporal_client, code)


async def test_no_withdrawal_once_a_decision_is_signed(api: httpx.AsyncClient) -> None:
    code = await submit(api)
    await drive(api, code, "accept", "transfer", "assign", "appraise", "approve")

    response = await api.post(
        f"/api/v1/dossiers/{code}/actions/withdraw", json=action_body("withdraw")
    )

    assert response.status_code == 409
    assert "đã ký" in response.json()["detail"]["message"]


async def test_parallel_consultations_return_the_dossier_when_all_have_answered(
    api: httpx.AsyncClient,
) -> None:
    code = await submit(api, **JUSTICE)
    await drive(api, code, "accept", "transfer", "assign")
    agencies = [
        {"unit": "cong-an-tinh", "question": "Xác minh án tích", "respond_within_days": 5},
        {"unit": "so-noi-vu", "question": "Xác minh nhân thân", "respond_within_days": 3},
    ]

    asked = await act(api, code, "consult", agencies=agencies)
    assert _state(asked) == (4, "in_consultation")
    assert [c["unit"] for c in asked["consultations"]] == ["cong-an-tinh", "so-noi-vu"]
    assert asked["consultations"][0]["due_at"] > asked["consultations"][1]["due_at"]
    first = await act(
        api, code, "answer_consultation", unit="so-noi-vu", agrees=False, opinion="Sai ngày sinh"
    )
    assert _state(first) == (4, "in_consultation")
    again = await api.post(
        f"/api/v1/dossiers/{code}/actions/answer_consultation",
        json=action_body("answer_consultation", unit="so-noi-vu"),
    )
    assert again.status_code == 409
    last = await act(api, code, "answer_consultation", unit="cong-an-tinh")

    assert _state(last) == (4, "in_appraisal")
    answers = {c["unit"]: (c["agrees"], c["opinion"]) for c in last["consultations"]}
    assert answers == {
        "so-noi-vu": (False, "Sai ngày sinh"),
        "cong-an-tinh": (True, "Thông tin chính xác"),
    }
    handovers = (await api.get(f"/api/v1/dossiers/{code}/handovers")).json()
    assert ("so-tu-phap", "xa-vu-bon") not in [(h["from_unit"], h["to_unit"]) for h in handovers]


async def test_consulting_an_unknown_agency_names_the_field(api: httpx.AsyncClient) -> None:
    code = await submit(api, **JUSTICE)
    await drive(api, code, "accept", "transfer", "assign")

    response = await api.post(
        f"/api/v1/dossiers/{code}/actions/consult",
        json=action_body("consult", agencies=[{"unit": "so-khong-co", "question": "?"}]),
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "agencies.0.unit"


async def test_financial_obligation_pauses_land_procedures_only(api: httpx.AsyncClient) -> None:
    land = await submit(api, **LAND_TRANSFER)
    birth = await submit(api)
    for code in (land, birth):
        await drive(api, code, "accept", "transfer", "assign", "appraise")

    land_waiting = await act(api, land, "request_payment", amount_vnd=12_500_000)
    birth_waiting = await act(api, birth, "request_payment")
    assert _state(land_waiting) == _state(birth_waiting) == (6, "awaiting_payment")
    assert land_waiting["due"]["paused"] is True
    assert birth_waiting["due"]["paused"] is False
    paid = await act(api, land, "record_payment")

    assert _state(paid) == (4, "awaiting_signature")
    assert paid["pauses"][0]["reason"] == "financial_obligation"
    assert paid["pauses"][0]["ended_at"] is not None


async def test_apology_letter_moves_the_current_date_only(api: httpx.AsyncClient) -> None:
    code = await submit(api, **JUSTICE)
    before = await drive(api, code, "accept", "transfer", "assign")

    drafted = await act(api, code, "draft_extension")
    assert drafted["due"]["extension_draft"]["drafted_by"] == "officer.so-tu-phap"
    assert drafted["due"]["due_at"] == before["due"]["due_at"]  # not before the leader approves
    extended = await act(api, code, "approve_extension")

    assert extended["due"]["original_due_at"] == before["due"]["original_due_at"]
    assert datetime.fromisoformat(extended["due"]["due_at"]) == datetime.fromisoformat(
        "2030-01-01T09:00:00+07:00"
    )
    assert [f["form"] for f in extended["forms"]] == ["01", "04"]
    assert extended["due"]["extension_draft"] is None
    earlier = await api.post(
        f"/api/v1/dossiers/{code}/actions/draft_extension",
        json=action_body("draft_extension", new_due_at="2029-01-01T09:00:00+07:00"),
    )
    assert earlier.status_code == 409


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("refuse", {"actor": "clerk.a"}, "reason"),
        (
            "request_supplement",
            {
                "actor": "clerk.a",
                "missing_documents": ["Tờ khai"],
                "checklist": [{"slot": 0, "state": "missing"}],
            },
            "missing_documents",
        ),
        ("appraise", {"actor": "o", "result": "insufficient", "findings": "x"}, ""),
        ("assign", {"actor": "leader.a"}, "officer"),
        ("return_result", {"actor": "clerk.a", "method": "pigeon"}, "method"),
    ],
)
async def test_action_bodies_are_validated_naming_the_field(
    api: httpx.AsyncClient, action: str, body: dict[str, Any], field: str
) -> None:
    code = await submit(api)

    response = await api.post(f"/api/v1/dossiers/{code}/actions/{action}", json=body)

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field
    detail = (await api.get(f"/api/v1/dossiers/{code}")).json()
    assert len(detail["timeline"]) == 1


async def test_external_verification_pauses_the_clock_where_the_procedure_allows(
    api: httpx.AsyncClient,
) -> None:
    justice = await submit(api, **JUSTICE)
    birth = await submit(api)
    for code in (justice, birth):
        await drive(api, code, "accept", "transfer", "assign")

    waiting = await act(api, justice, "start_verification")
    assert _state(waiting) == (4, "in_verification")
    assert waiting["due"]["paused"] is True
    assert waiting["pauses"][-1]["reason"] == "external_verification"
    back = await act(api, justice, "end_verification")
    refused = await api.post(
        f"/api/v1/dossiers/{birth}/actions/start_verification",
        json=action_body("start_verification"),
    )

    assert _state(back) == (4, "in_appraisal")
    assert back["pauses"][-1]["ended_at"] is not None
    assert refused.status_code == 409
    assert "không cho phép tạm dừng" in refused.json()["detail"]["message"]
