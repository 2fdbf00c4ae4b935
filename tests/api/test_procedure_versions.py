"""A new procedure version applies to new dossiers only; running ones stay pinned."""

import uuid
from datetime import datetime
from typing import Any

import httpx

from db.reference import load_procedures
from db.session import SessionMaker
from schemas.procedure import ProcedureDefinition
from tests.factories import submission
from tests.journeys import act


def _version(code: str, version: int, days: int, name: str) -> ProcedureDefinition:
    return ProcedureDefinition.model_validate(
        {
            "code": code,
            "version": version,
            "name_vi": name,
            "name_en": "Trial procedure",
            "level": "commune",
            "time_limit": {"value": days, "unit": "working_days"},
        }
    )


async def _publish(sessionmaker: SessionMaker, procedure: ProcedureDefinition) -> None:
    async with sessionmaker() as session, session.begin():
        await load_procedures(session, [procedure])


async def test_a_new_version_leaves_dossiers_in_flight_on_theirs(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    code = f"9.V{uuid.uuid4().hex[:6].upper()}"
    await _publish(sessionmaker, _version(code, 1, 5, "Thủ tục thử – bản 1"))
    old = (await api.post("/api/v1/dossiers", json=submission(procedure_code=code))).json()

    await _publish(sessionmaker, _version(code, 2, 10, "Thủ tục thử – bản 2"))
    new = (await api.post("/api/v1/dossiers", json=submission(procedure_code=code))).json()
    old_accepted = await act(api, old["code"], "accept")
    new_accepted = await act(api, new["code"], "accept")

    assert old["procedure"]["version"] == 1
    assert new["procedure"]["version"] == 2
    assert old_accepted["procedure"]["name_vi"] == "Thủ tục thử – bản 1"
    assert "5 ngày làm việc" in old_accepted["due"]["explanation_vi"]
    assert "10 ngày làm việc" in new_accepted["due"]["explanation_vi"]
    assert _due(old_accepted) < _due(new_accepted)
    listed = {p["code"]: p for p in (await api.get("/api/v1/procedures")).json()}
    assert listed[code]["version"] == 2


def _due(detail: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(detail["due"]["due_at"])
