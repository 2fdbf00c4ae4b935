"""Shared fixtures: one real Temporal dev server and one real PostgreSQL database per session.

Each test gets its own task queue and worker; dossier tables are emptied before each test
that asks for the database. Code counters are kept (dossier codes are workflow ids on the
shared server, so they must never repeat within a session).
"""

import asyncio
import gzip
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from asn1crypto import x509 as asn1_x509
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment

import catalogue
from api.app import create_app
from api.deps import Resources
from db.migrate import recreate_database, upgrade_async
from db.reference import load_procedures, load_units
from db.session import SessionMaker, make_engine, make_sessionmaker
from db.users import passwords, save_user
from motcua.devserver import temporal_binary
from motcua.settings import Environment, Settings
from motcua.signing import DEMO_PIN
from motcua.temporal import PLAIN_CONVERTER
from motcua.worker import build_worker
from signing.demo import SOFTHSM_LIBRARY
from signing.pades import load_certificate_file
from simulators.process import python_module, serving
from tests.auth import PASSWORD, StaffAuth, test_usernames
from tests.province import TIMEZONE

# `MOTCUA_RECORD_HISTORIES=tests/workflows/histories make test` writes the history of every
# workflow a lifecycle test ran, for the replay test (tests/workflows/test_replay.py).
RECORD_HISTORIES = os.environ.get("MOTCUA_RECORD_HISTORIES")
RECORDED_MODULES = (
    "test_lifecycle",
    "test_consultation",
    "test_inter_level",
    "test_dossier",
    "test_deadlines",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


GOOD_TOKEN = "motcua-demo"
EXPIRED_TOKEN = "motcua-expired"

DATABASE_URL = os.environ.get(
    "MOTCUA_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_test"
)


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    # The real dev server with per-workflow time skipping available but off: a dossier
    # waits for people, so a test moves one dossier's clock on purpose (fast_forward).
    env = await WorkflowEnvironment.start_time_skipping_v2(
        ts_config=TimeSkippingConfig(enabled=False),
        dev_server_existing_path=temporal_binary(),
        dev_server_extra_args=[
            "--dynamic-config-value",
            "frontend.WorkflowTimeSkippingEnabled=true",
        ],
        # The product's converter without the codec, so recorded histories read in clear.
        data_converter=PLAIN_CONVERTER,
        dev_server_log_level="error",
    )
    async with env:
        yield env


@pytest.fixture(scope="session")
def temporal_client(temporal_env: WorkflowEnvironment) -> Client:
    return temporal_env.client


@pytest.fixture(scope="session")
async def engine() -> AsyncIterator[AsyncEngine]:
    await recreate_database(DATABASE_URL)
    await upgrade_async(DATABASE_URL, TIMEZONE)
    engine = make_engine(DATABASE_URL)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        await load_units(session, catalogue.load_units())
        await load_procedures(session, catalogue.load_procedures())
    await save_test_users(sessionmaker)
    yield engine
    await engine.dispose()


async def save_test_users(sessionmaker: SessionMaker) -> None:
    """Every test account, with the tests' password (again, if a test changed it)."""
    async with sessionmaker() as session, session.begin():
        # One hash for every test user: argon2 is slow on purpose.
        password_hash = passwords.hash(PASSWORD)
        for username, role, unit in test_usernames():
            await save_user(session, username, username, password_hash, role.value, unit)


@pytest.fixture
async def sessionmaker(engine: AsyncEngine) -> SessionMaker:
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "TRUNCATE dossier_event, dossier, idempotency_key, calendar_override, "
                "notification, dossier_daily, rate_counter, revoked_session RESTART IDENTITY CASCADE"
            )
        )
    return make_sessionmaker(engine)


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4()}"


@dataclass(frozen=True)
class Tokens:
    """SoftHSM2 tokens for the session: `motcua-demo` signs; `motcua-expired` holds
    certificates that expired a month ago. Both under the one demo CA."""

    folder: Path

    @property
    def ca_file(self) -> Path:
        return self.folder / "demo-ca.pem"

    @property
    def ca(self) -> list[asn1_x509.Certificate]:
        return load_certificate_file(self.ca_file)


@pytest.fixture(scope="session")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tokens]:
    """Provisioned by processes of their own, before this one loads the PKCS#11 library
    (a process sees only the tokens there were when it loaded it)."""
    folder = tmp_path_factory.mktemp("hsm")
    for label, *expired in ([GOOD_TOKEN], [EXPIRED_TOKEN, "expired"]):
        subprocess.run(
            [sys.executable, "-m", "signing.demo", str(folder), label, *expired], check=True
        )
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(folder / "softhsm2.conf")
    yield Tokens(folder)
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


def signing_settings(tokens: Tokens) -> dict[str, Any]:
    """The settings that sign with the session's good token."""
    return {
        "signing_pkcs11_library": SOFTHSM_LIBRARY,
        "signing_token_label": GOOD_TOKEN,
        "signing_pin": DEMO_PIN,
        "signing_trust_roots": str(tokens.ca_file),
    }


@pytest.fixture
def settings(task_queue: str, tmp_path: Path, tokens: Tokens) -> Settings:
    return Settings(
        environment=Environment.TEST,
        # The test's own document store and spool.
        data_dir=tmp_path / "data",
        database_url=DATABASE_URL,
        temporal_address="in-test",
        task_queue=task_queue,
        secret_key="test-secret-key-not-for-production",
        **signing_settings(tokens),
    )


@pytest.fixture
def gateways() -> Iterator[str]:
    """The SMS gateway and Zalo ZNS simulator (simulators/gateways.py), in its own
    process; fresh for each test, since the outbox's ids start again with each test's
    database and a gateway takes a repeated id for a repeated message."""
    port = free_port()
    with serving(python_module("simulators.gateways", str(port)), port):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's stand-alone server: S3 over HTTP, in its own process."""
    port = free_port()
    with serving(python_module("moto.server", "-H", "127.0.0.1", "-p", str(port)), port):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
async def worker(
    temporal_client: Client, settings: Settings, sessionmaker: SessionMaker
) -> AsyncIterator[str]:
    async with build_worker(temporal_client, settings, sessionmaker):
        yield settings.task_queue


@pytest.fixture
async def app_without_worker(
    settings: Settings, engine: AsyncEngine, sessionmaker: SessionMaker, temporal_client: Client
) -> AsyncIterator[httpx.AsyncClient]:
    """The API alone: the test runs whichever worker it needs."""
    app = create_app(settings, resources=Resources(settings, engine, sessionmaker, temporal_client))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://motcua.test", auth=StaffAuth(settings)
        ) as client:
            yield client


@pytest.fixture
async def live_server(
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: SessionMaker,
    temporal_client: Client,
    worker: str,
) -> AsyncIterator[str]:
    """The app served by uvicorn on a free port, in the test's own event loop."""
    app = create_app(settings, resources=Resources(settings, engine, sessionmaker, temporal_client))
    port = free_port()
    server = uvicorn.Server(
        # A page's event stream never ends by itself: shutdown does not wait for it.
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
    )
    task = asyncio.create_task(server.serve())
    for _ in range(400):
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started, "the live server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture
async def api(app_without_worker: httpx.AsyncClient, worker: str) -> httpx.AsyncClient:
    """The API with the real worker on the test's own task queue."""
    return app_without_worker


@pytest.fixture(autouse=True)
async def _record_histories(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    module = request.node.module.__name__.rsplit(".", 1)[-1]
    recording = (
        RECORD_HISTORIES and module in RECORDED_MODULES and "task_queue" in request.fixturenames
    )
    if not recording:
        yield
        return
    client: Client = request.getfixturevalue("temporal_client")
    queue: str = request.getfixturevalue("task_queue")
    yield
    async for execution in client.list_workflows(f'TaskQueue = "{queue}"'):
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        history = await handle.fetch_history()
        name = f"{module}.{request.node.name}.{execution.id}".replace("/", "_")
        _save_history(name, history.to_json())


def _save_history(name: str, text: str) -> None:
    target = Path(str(RECORD_HISTORIES))
    target.mkdir(parents=True, exist_ok=True)
    (target / f"{name}.json.gz").write_bytes(gzip.compress(text.encode()))
