"""Dossier codes: format, daily reset per agency, uniqueness under concurrent submissions."""

import asyncio
import uuid
from datetime import date

from db.codes import allocate_code, standard_code
from db.session import SessionMaker


def _agency() -> str:
    # A fresh agency per test keeps its counter at zero without touching other tests' codes.
    return f"T{uuid.uuid4().hex[:2].upper()}.{uuid.uuid4().hex[:2].upper()}.00.X99"


async def _allocate(sessionmaker: SessionMaker, agency: str, day: date) -> str:
    async with sessionmaker() as session, session.begin():
        return await allocate_code(session, agency, day)


def test_standard_format() -> None:
    assert standard_code("000.00.00.H17", date(2026, 3, 12), 42) == "000.00.00.H17-260312-0042"
    assert standard_code("000.00.00.H17", date(2026, 3, 12), 12345) == "000.00.00.H17-260312-12345"


async def test_concurrent_allocations_are_unique_and_gapless(sessionmaker: SessionMaker) -> None:
    agency, day = _agency(), date(2026, 11, 22)

    codes = await asyncio.gather(*(_allocate(sessionmaker, agency, day) for _ in range(60)))

    assert len(set(codes)) == 60
    assert sorted(int(c.rsplit("-", 1)[1]) for c in codes) == list(range(1, 61))
    assert all(c.startswith(f"{agency}-261122-") for c in codes)


async def test_sequence_restarts_each_day_and_per_agency(sessionmaker: SessionMaker) -> None:
    first, second = _agency(), _agency()

    assert await _allocate(sessionmaker, first, date(2026, 11, 22)) == f"{first}-261122-0001"
    assert await _allocate(sessionmaker, first, date(2026, 11, 22)) == f"{first}-261122-0002"
    assert await _allocate(sessionmaker, first, date(2026, 11, 23)) == f"{first}-261123-0001"
    assert await _allocate(sessionmaker, second, date(2026, 11, 22)) == f"{second}-261122-0001"


async def test_a_rolled_back_submission_gives_its_number_back(sessionmaker: SessionMaker) -> None:
    agency, day = _agency(), date(2026, 11, 22)
    async with sessionmaker() as session:
        await allocate_code(session, agency, day)
        await session.rollback()

    assert await _allocate(sessionmaker, agency, day) == f"{agency}-261122-0001"
