"""Every action is refused, with a message naming the state, wherever the law forbids it.

Each reachable state is reached through the API; then every action is tried with a valid
body. The expected permissions are written out here by hand from DOMAIN.md, independently
of the engine's own table.
"""

from typing import Any

import httpx
import pytest

from schemas.lifecycle import Action
from tests.factories import action_body
from tests.journeys import act, submit

# Every action the engine knows; what is allowed where is written out below by hand.
ALL = [action.value for action in Action]
# Refusals that are not about the state but about a fact of the dossier, and say so.
OWN_REASONS = {
    "start_verification": "không cho phép tạm dừng",
    "forward": "không còn bước chuyển đơn vị",
    "approve_extension": "chưa có dự thảo",
    # Lawful before receipt only where the procedure charges its fee at submission.
    "record_payment": "không có khoản phí",
}
BEFORE_DECISION = {"withdraw", "stop"}

# (how to get there, the status it is in, the actions the law allows there)
STATES: list[tuple[list[str], tuple[int, str], set[str]]] = [
    ([], (1, "awaiting_receipt"), {"accept", "request_supplement", "refuse"} | BEFORE_DECISION),
    (["request_supplement"], (5, "awaiting_supplement"), {"submit_supplement"} | BEFORE_DECISION),
    (["refuse"], (3, "closed"), set()),
    (["accept"], (2, "awaiting_transfer"), {"transfer"} | BEFORE_DECISION),
    (
        ["accept", "transfer"],
        (4, "awaiting_assignment"),
        {"assign", "claim", "draft_extension"} | BEFORE_DECISION,
    ),
    (
        ["accept", "transfer", "assign"],
        (4, "in_appraisal"),
        {"reassign", "appraise", "consult", "draft_extension"} | BEFORE_DECISION,
    ),
    (
        ["accept", "transfer", "assign", "consult"],
        (4, "in_consultation"),
        {"reassign", "answer_consultation", "draft_extension"} | BEFORE_DECISION,
    ),
    (
        ["accept", "transfer", "assign", "appraise"],
        (4, "awaiting_signature"),
        {"reassign", "request_payment", "approve", "draft_extension"} | BEFORE_DECISION,
    ),
    (
        ["accept", "transfer", "assign", "appraise", "request_payment"],
        (6, "awaiting_payment"),
        {"record_payment", "draft_extension"} | BEFORE_DECISION,
    ),
    (["accept", "transfer", "assign", "appraise", "approve"], (4, "signed"), {"mark_result_ready"}),
    (
        ["accept", "transfer", "assign", "appraise", "approve", "mark_result_ready"],
        (9, "awaiting_return"),
        {"return_result"},
    ),
    (
        [
            "accept",
            "transfer",
            "assign",
            "appraise",
            "approve",
            "mark_result_ready",
            "return_result",
        ],
        (10, "closed"),
        set(),
    ),
    (["accept", "withdraw"], (7, "awaiting_stop_notice"), {"stop"}),
    (["accept", "withdraw", "stop"], (8, "closed"), set()),
]


@pytest.mark.parametrize(
    ("path", "state", "allowed"), STATES, ids=[s[1][1] + f"-{s[1][0]}" for s in STATES]
)
async def test_forbidden_actions_are_refused_naming_the_state(
    api: httpx.AsyncClient, path: list[str], state: tuple[int, str], allowed: set[str]
) -> None:
    code = await submit(api)
    detail: dict[str, Any] = (await api.get(f"/api/v1/dossiers/{code}")).json()
    for action in path:
        detail = await act(api, code, action)
    assert (detail["status"]["code"], detail["sub_state"]["code"]) == state
    assert {a["action"] for a in detail["allowed_actions"]} == allowed
    events_before = len(detail["timeline"])

    for action in ALL:
        if action in allowed:
            continue
        response = await api.post(
            f"/api/v1/dossiers/{code}/actions/{action}", json=action_body(action)
        )
        if action == "answer_consultation" and not detail.get("consultations"):
            # No agency was asked: the answer belongs to nobody (the holding unit does
            # not answer its own question), and the agency named cannot see the dossier.
            assert response.status_code == 403, f"{action} in {state}: {response.text}"
            continue
        assert response.status_code == 409, f"{action} in {state}: {response.text}"
        error = response.json()["detail"]
        assert error["reason"] == "illegal_action"
        assert error["state"]["status"] == state[0]
        assert error["state"]["sub_state"] == state[1]
        # The birth registration has no verification pause and no inter-unit step.
        if (
            (state[1] == "in_appraisal" and action in ("start_verification", "forward"))
            or (action == "approve_extension" and "draft_extension" in allowed)
            or (action == "record_payment" and state[1] == "awaiting_receipt")
        ):
            assert OWN_REASONS[action] in error["message"]
        else:
            assert detail["status"]["name_vi"] in error["message"]
        assert error["message_en"].startswith("Cannot ")

    after = (await api.get(f"/api/v1/dossiers/{code}")).json()
    assert len(after["timeline"]) == events_before
