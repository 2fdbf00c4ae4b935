"""`allowed_actions` is exactly what succeeds: a property checked on the real stack.

Hypothesis walks random legal paths through every procedure of the catalogue. At each step
every person who could act (the clerks of the receiving, holding and returning units, the
holding unit's officer and leader, the consulted agencies' officers) reads the dossier's
page; the buttons it shows that person are their list. One listed action, drawn at random,
must succeed with a valid body and add exactly one event to the log; one action not on the
list, drawn at random, must be refused (409 or 403) and add none.
"""

import re
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import catalogue
from motcua.settings import Settings
from schemas.lifecycle import Action
from tests.auth import bearer
from tests.factories import submission

PROCEDURES = sorted(p.code for p in catalogue.load_procedures())
COUNTERS = ("phuong-tan-an", "ttphcc-tinh", "xa-vu-bon", "phuong-tan-lap")
_BUTTON = re.compile(r'data-action="([a-z_]+)"')
_ENDINGS = {Action.REFUSE, Action.WITHDRAW, Action.STOP}


REASON = "Lý do nêu rõ theo quy định"
# Bodies that do not depend on the dossier; a reason goes with every action that may need
# one (a second supplement request, a second fee).
STATIC: dict[Action, dict[str, Any]] = {
    # The walk is about which actions the state allows, not the checklist: it accepts
    # whatever papers are there, saying why (tests/api/test_checklist.py judges papers).
    Action.ACCEPT: {"override_reason": "Tiếp nhận để kiểm tra luồng xử lý"},
    Action.REQUEST_SUPPLEMENT: {"missing_documents": ["Tờ khai"], "reason": REASON},
    Action.SUBMIT_SUPPLEMENT: {"documents": ["Tờ khai đã bổ sung"]},
    Action.START_VERIFICATION: {"agency": "Trung tâm Lý lịch tư pháp quốc gia", "reason": REASON},
    Action.REQUEST_PAYMENT: {"amount_vnd": 50000, "description": "Lệ phí", "reason": REASON},
    Action.RECORD_PAYMENT: {"method": "counter", "reference": "BL-0001"},
    Action.REFUSE: {"reason": REASON},
    Action.WITHDRAW: {"reason": REASON},
    Action.STOP: {"reason": REASON},
}


def _body(action: Action, dossier: dict[str, Any], person: str, draw: Any) -> dict[str, Any]:
    holder = dossier["holder_unit"]
    match action:
        case Action.ASSIGN:
            return {"officer": f"officer.{holder}"}
        case Action.REASSIGN:
            # A valid reassignment names someone other than the officer holding it now.
            names = [f"officer.{holder}", f"officer2.{holder}"]
            officer = next(n for n in names if n != dossier.get("assignee"))
            return {"officer": officer, "reason": REASON}
        case Action.APPRAISE:
            if draw(st.booleans()):
                return {"result": "sufficient", "findings": "Đủ điều kiện"}
            return {
                "result": "insufficient",
                "findings": "Thiếu giấy tờ",
                "missing_documents": ["Ảnh 4x6"],
                "reason": REASON,
            }
        case Action.CONSULT:
            competent = dossier["competent_authority"]["code"]
            agency = "cong-an-tinh" if competent != "cong-an-tinh" else "so-tu-phap"
            ask = {"unit": agency, "question": "Xác minh", "respond_within_days": 3}
            return {"agencies": [ask]}
        case Action.ANSWER_CONSULTATION:
            return {"unit": person.split(".", 1)[1], "agrees": True, "opinion": "Đồng ý"}
        case Action.APPROVE:
            decision = draw(st.sampled_from(["grant", "deny"]))
            return {"decision": decision, "decision_number": "15/QĐ"}
        case Action.DRAFT_EXTENSION:
            due = datetime.fromisoformat(dossier["due"]["due_at"] or "2030-01-01T09:00:00+07:00")
            return {"reason": REASON, "new_due_at": (due + timedelta(days=7)).isoformat()}
        case Action.RETURN_RESULT:
            return {"method": draw(st.sampled_from(["in_person", "post", "electronic"]))}
    return dict(STATIC.get(action, {}))


def _people(dossier: dict[str, Any]) -> list[str]:
    holder = dossier["holder_unit"]
    units = {dossier["receiving_unit"]["code"], dossier["returning_unit"]["code"], holder}
    people = [f"clerk.{unit}" for unit in sorted(units)]
    people += [f"officer.{holder}", f"leader.{holder}"]
    people += [
        f"officer.{c['unit']}"
        for c in dossier.get("consultations", [])
        if c.get("answered_at") is None
    ]
    return list(dict.fromkeys(people))


class Walk:
    def __init__(self, api: httpx.AsyncClient, settings: Settings) -> None:
        self.api, self.settings = api, settings

    def _as(self, person: str) -> dict[str, str]:
        return {"Authorization": bearer(self.settings, person)}

    async def dossier(self, code: str) -> dict[str, Any]:
        answer = await self.api.get(
            f"/api/v1/dossiers/{code}", headers=self._as("supervisor.dak-lak")
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def events(self, code: str) -> int:
        answer = await self.api.get(
            f"/api/v1/dossiers/{code}/events", headers=self._as("supervisor.dak-lak")
        )
        return len(answer.json())

    async def listed(self, code: str, person: str) -> list[Action]:
        token = bearer(self.settings, person).removeprefix("Bearer ")
        page = await self.api.get(
            f"/can-bo/ho-so/{code}",
            headers={"Cookie": f"motcua_session={token}", "Authorization": ""},
        )
        if page.status_code != 200:  # this person may not see the dossier at all
            return []
        return [Action(a) for a in _BUTTON.findall(page.text)]

    async def act(
        self, code: str, person: str, action: Action, body: dict[str, Any]
    ) -> httpx.Response:
        return await self.api.post(
            f"/api/v1/dossiers/{code}/actions/{action.value}", json=body, headers=self._as(person)
        )


@pytest.mark.timeout(600)
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_every_listed_action_succeeds_and_every_other_is_refused(
    api: httpx.AsyncClient, settings: Settings, data: st.DataObject
) -> None:
    walk = Walk(api, settings)
    procedure = data.draw(st.sampled_from(PROCEDURES), label="procedure")
    for counter in COUNTERS:
        created = await api.post(
            "/api/v1/dossiers", json=submission(procedure_code=procedure, receiving_unit=counter)
        )
        if created.status_code == 201:
            break
    assert created.status_code == 201, created.text
    code = created.json()["code"]

    for _ in range(30):
        dossier = await walk.dossier(code)
        if dossier["status"]["code"] in (3, 8, 10):
            event(f"closed in status {dossier['status']['code']}")
            break
        lists = {person: await walk.listed(code, person) for person in _people(dossier)}
        # The union of what people see is what the workflow allows: nothing hidden from all.
        workflow = {a["action"] for a in dossier["allowed_actions"]}
        assert {a.value for listed in lists.values() for a in listed} <= workflow
        candidates = [(p, a) for p, listed in lists.items() for a in listed]
        assert candidates, (
            f"{code} is open in {dossier['status']['code']}/{dossier['sub_state']['code']} but nobody can act"
        )

        # Paths end early enough by themselves: an ending is taken one time in twenty.
        going_on = [(p, a) for p, a in candidates if a not in _ENDINGS]
        ending = data.draw(st.integers(0, 19), label="end here") == 0
        pool = candidates if ending or not going_on else going_on
        person, action = data.draw(st.sampled_from(pool), label="listed")
        unlisted = sorted(set(Action) - set(lists[person]))
        if unlisted:
            other = data.draw(st.sampled_from(unlisted), label="unlisted")
            before = await walk.events(code)
            refused = await walk.act(code, person, other, _body(other, dossier, person, data.draw))
            assert refused.status_code in (403, 409), (
                f"{person} {other.value}: {refused.status_code} {refused.text}"
            )
            assert await walk.events(code) == before

        before = await walk.events(code)
        done = await walk.act(code, person, action, _body(action, dossier, person, data.draw))
        assert done.status_code == 200, f"{person} {action.value}: {done.text}"
        assert await walk.events(code) == before + 1, f"{action.value} logged other than one event"
