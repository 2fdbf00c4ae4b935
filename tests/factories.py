"""Valid inputs to start from; tests change one field at a time."""

from typing import Any


def submission(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "procedure_code": "1.001193",
        "receiving_unit": "phuong-tan-lap",
        "channel": 1,
        "applicant": {
            "full_name": "Nguyễn Thị Hồng Nhung",
            "id_number": "066190001234",
            "phone": "0912 345 678",
        },
        "received_by": "clerk.tanlap",
    }
    body.update(overrides)
    return body


FAR_FUTURE = "2030-01-01T09:00:00+07:00"
# The counter's checklist of the default procedure (1.001193, two papers), all received.
RECEIVED = [
    {"slot": 0, "state": "received", "form": "original_seen"},
    {"slot": 1, "state": "received", "form": "certified_copy"},
]

# A valid body for every action, so a test can change the one thing it is about.
ACTION_BODIES: dict[str, dict[str, Any]] = {
    "accept": {"actor": "clerk.a"},
    "request_supplement": {
        "actor": "clerk.a",
        "missing_documents": ["Bản sao Căn cước công dân của cha"],
        "reason": "Thiếu giấy tờ",
    },
    "submit_supplement": {"actor": "citizen", "documents": ["Bản sao Căn cước công dân của cha"]},
    "refuse": {"actor": "clerk.a", "reason": "Thủ tục không thuộc thẩm quyền"},
    "transfer": {"actor": "clerk.a"},
    "assign": {"actor": "leader.a", "officer": "officer.a"},
    "claim": {},
    "reassign": {"actor": "leader.a", "officer": "officer.b", "reason": "Cán bộ nghỉ phép"},
    "appraise": {"actor": "officer.a", "result": "sufficient", "findings": "Hồ sơ hợp lệ"},
    "consult": {
        "actor": "officer.a",
        "agencies": [{"unit": "cong-an-tinh", "question": "Xác minh nhân thân"}],
    },
    "answer_consultation": {
        "actor": "officer.police",
        "unit": "cong-an-tinh",
        "agrees": True,
        "opinion": "Thông tin chính xác",
    },
    "start_verification": {
        "actor": "officer.a",
        "agency": "Trung tâm Lý lịch tư pháp quốc gia",
        "reason": "Tra cứu cơ sở dữ liệu lý lịch tư pháp",
    },
    "end_verification": {"actor": "officer.a"},
    "forward": {"reason": "Chuyển bước tiếp theo theo quy trình nội bộ"},
    "request_payment": {"actor": "officer.a", "amount_vnd": 50000, "description": "Lệ phí"},
    "record_payment": {"actor": "clerk.a", "method": "online", "reference": "PAY-0001"},
    "approve": {"actor": "leader.a", "decision": "grant", "decision_number": "15/QĐ-UBND"},
    "draft_extension": {"actor": "officer.a", "reason": "Chờ xác minh", "new_due_at": FAR_FUTURE},
    "approve_extension": {"actor": "leader.a"},
    "mark_result_ready": {"actor": "officer.a"},
    "return_result": {"actor": "clerk.a", "method": "in_person"},
    "withdraw": {"actor": "citizen", "reason": "Không còn nhu cầu"},
    "stop": {"actor": "clerk.a", "reason": "Công dân rút hồ sơ"},
}


def action_body(action: str, **overrides: Any) -> dict[str, Any]:
    return {**ACTION_BODIES[action], **overrides}
