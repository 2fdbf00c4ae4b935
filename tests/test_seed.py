"""`motcua seed`: demo dossiers driven over HTTP through the real workflows, back-dated.

The seeder's intentions (late, refused, withdrawn…) are checked against what the engine
itself concluded: the projection's verdicts and the daily roll-up the dashboards read.
"""

import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import select
from temporalio.client import Client

from api.app import create_app
from api.deps import Resources
from db.models import DossierDailyRow, DossierRow
from db.session import SessionMaker
from motcua.database import save_demo_staff
from motcua.demo import DEMO_PASSWORD
from motcua.seed import Seeder, _working_instant
from motcua.settings import Environment, Settings
from tests.conftest import DATABASE_URL, Tokens, save_test_users, signing_settings

DOSSIERS = 12


@pytest.fixture
def settings(task_queue: str, tmp_path: Path, tokens: Tokens) -> Settings:
    # Demo mode exists only in development, where the API takes X-Demo-Time.
    return Settings(
        environment=Environment.DEVELOPMENT,
        data_dir=tmp_path / "data",
        database_url=DATABASE_URL,
        temporal_address="in-test",
        task_queue=task_queue,
        demo_clock=True,
        **signing_settings(tokens),
    )


@pytest.fixture
async def demo_api(
    settings: Settings,
    engine: object,
    sessionmaker: SessionMaker,
    temporal_client: Client,
    worker: str,
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, resources=Resources(settings, engine, sessionmaker, temporal_client))  # type: ignore[arg-type]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://motcua.test") as client:
            yield client


@pytest.fixture
async def demo_staff(settings: Settings, sessionmaker: SessionMaker) -> AsyncIterator[None]:
    # The seeder signs in as the demo does; the accounts it shares with the other tests get
    # their password back afterwards, or a later sign-in with it fails.
    await save_demo_staff(settings.resolved_database_url, DEMO_PASSWORD)
    yield
    await save_test_users(sessionmaker)


@pytest.mark.usefixtures("demo_staff")
async def test_seeded_dossiers_are_back_dated_and_judged_as_the_seeder_intended(
    settings: Settings,
    demo_api: httpx.AsyncClient,
    temporal_client: Client,
    sessionmaker: SessionMaker,
) -> None:
    seeder = Seeder(settings, demo_api, temporal_client, random.Random(11), days=40)

    for _ in range(DOSSIERS):
        await seeder.one()

    async with sessionmaker() as session:
        rows = list(await session.exec(select(DossierRow)))
        day_rows = list(await session.exec(select(DossierDailyRow)))
    outcomes = Counter(row.outcome for row in rows)
    intended = seeder.tally.outcomes
    assert seeder.tally.created == DOSSIERS
    assert seeder.tally.errors == []
    assert len(rows) == DOSSIERS
    assert all(row.demo for row in rows)
    # Spread over past weeks, not all submitted today.
    assert min(row.submitted_at for row in rows) < datetime.now(UTC) - timedelta(days=7)
    assert len({row.competent_authority for row in rows}) > 3
    # What the engine judged agrees with what the seeder set out to do.
    assert outcomes["late"] == intended["finished late"] > 0
    assert outcomes["refused"] == intended["refused"]
    assert outcomes["withdrawn"] == intended["withdrawn"]
    assert outcomes["early"] + outcomes["on_time"] > 0
    # The dashboards' roll-up counted every one of them.
    assert sum(r.received_1 + r.received_2 + r.received_3 for r in day_rows) == DOSSIERS
    assert sum(r.finished_late for r in day_rows) == outcomes["late"]


@pytest.mark.parametrize("hour", [0, 6, 7, 12, 16, 23])
def test_a_seeded_submission_is_never_in_the_future(hour: int) -> None:
    # Seeding at 7 in the morning once picked today at 16:00, which the API refused.
    now = datetime(2026, 12, 1, hour, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))  # a Tuesday
    rng = random.Random(hour)

    moments = [_working_instant(rng, now, now) for _ in range(200)]

    assert all(moment < now and moment.weekday() < 5 for moment in moments)
    assert all(7 <= moment.hour <= 16 for moment in moments)
