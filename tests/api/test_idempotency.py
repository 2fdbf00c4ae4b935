"""A retried submission (same Idempotency-Key) returns the same dossier, never a second one."""

import asyncio

import httpx
from sqlalchemy import func
from sqlmodel import select

from db.models import DossierRow
from db.session import SessionMaker
from motcua.settings import Settings
from tests.auth import bearer
from tests.factories import submission


async def _dossier_count(sessionmaker: SessionMaker) -> int:
    async with sessionmaker() as session:
        return (await session.exec(select(func.count()).select_from(DossierRow))).one()


async def test_retry_returns_the_same_dossier(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    headers = {"Idempotency-Key": "counter-7-20261122-0001"}

    first = await api.post("/api/v1/dossiers", json=submission(), headers=headers)
    retry = await api.post("/api/v1/dossiers", json=submission(), headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert await _dossier_count(sessionmaker) == 1


async def test_concurrent_retries_create_one_dossier(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    headers = {"Idempotency-Key": "flaky-network-retry-42"}

    responses = await asyncio.gather(
        *(api.post("/api/v1/dossiers", json=submission(), headers=headers) for _ in range(8))
    )

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["code"] for r in responses}) == 1
    assert await _dossier_count(sessionmaker) == 1


async def test_the_same_key_for_a_different_submission_is_a_conflict(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    headers = {"Idempotency-Key": "reused-key-000001"}
    await api.post("/api/v1/dossiers", json=submission(), headers=headers)
    # The same clerk, the same key, another applicant.
    other = submission(
        applicant={"full_name": "Trần Văn Bình", "id_number": "066190009999", "phone": "0912000111"}
    )

    response = await api.post("/api/v1/dossiers", json=other, headers=headers)

    assert response.status_code == 409
    assert response.json()["detail"]["reason"] == "idempotency_key_reused"
    assert await _dossier_count(sessionmaker) == 1


async def test_without_a_key_each_submission_is_a_new_dossier(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    first = await api.post("/api/v1/dossiers", json=submission())
    second = await api.post("/api/v1/dossiers", json=submission())

    assert first.json()["code"] != second.json()["code"]
    assert await _dossier_count(sessionmaker) == 2


async def test_a_key_belongs_to_its_caller(
    api: httpx.AsyncClient, settings: Settings, sessionmaker: SessionMaker
) -> None:
    key = {"Idempotency-Key": "counter-1-0001-shared-text"}
    clerk = {**key, "Authorization": bearer(settings, "clerk.phuong-tan-lap")}
    other_clerk = {**key, "Authorization": bearer(settings, "clerk.phuong-ea-kao")}

    mine = await api.post("/api/v1/dossiers", json=submission(), headers=clerk)
    # An anonymous online submission with the same key text: another key, another dossier,
    # and never a word about the clerk's.
    online = await api.post(
        "/api/v1/dossiers",
        json=submission(channel=2, received_by=None, receiving_unit="phuong-tan-lap"),
        headers=key,
    )
    theirs = await api.post(
        "/api/v1/dossiers", json=submission(receiving_unit="phuong-ea-kao"), headers=other_clerk
    )
    retried = await api.post("/api/v1/dossiers", json=submission(), headers=clerk)

    assert mine.status_code == online.status_code == theirs.status_code == 201, online.text
    codes = {mine.json()["code"], online.json()["code"], theirs.json()["code"]}
    assert len(codes) == 3
    assert retried.json()["code"] == mine.json()["code"]
    assert await _dossier_count(sessionmaker) == 3
