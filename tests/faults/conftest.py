"""Faults on purpose: a Temporal dev server of the test's own (SQLite file, restartable),
workers as separate processes (killable), and the session's PostgreSQL stopped and started.
"""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from api.app import create_app
from api.deps import Resources
from db.session import SessionMaker
from motcua.devserver import temporal_binary
from motcua.settings import Settings
from motcua.temporal import connect
from tests.auth import StaffAuth
from tests.conftest import DATABASE_URL, free_port


@dataclass
class DurableServer:
    """`temporal server start-dev` on a SQLite file, so a restart keeps every workflow."""

    db_file: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.process = self._spawn()
        for _ in range(300):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            await asyncio.sleep(0.1)
        raise RuntimeError("the durable Temporal server did not start")

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                temporal_binary(), "server", "start-dev", "--headless",
                "--db-filename", str(self.db_file), "--ip", "127.0.0.1",
                "--port", str(self.port), "--http-port", str(free_port()),
                "--metrics-port", str(free_port()), "--log-level", "error",
                "--sqlite-pragma", "journal_mode=wal",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

    async def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            await asyncio.to_thread(self.process.wait, 30)
            self.process = None


@dataclass
class Workers:
    """`motcua worker` processes, as production runs them."""

    settings: Settings
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "MOTCUA_ENVIRONMENT": self.settings.environment.value,
            "MOTCUA_SECRET_KEY": self.settings.secret_key,
            "MOTCUA_DATABASE_URL": self.settings.database_url,
            "MOTCUA_TEMPORAL_ADDRESS": self.settings.temporal_address,
            "MOTCUA_TASK_QUEUE": self.settings.task_queue,
            "MOTCUA_WORKER_METRICS_PORT": "0",
            # The test's document store, and the session's SoftHSM2 token.
            "MOTCUA_DATA_DIR": str(self.settings.data_dir),
            "MOTCUA_SIGNING_PKCS11_LIBRARY": self.settings.signing_pkcs11_library,
            "MOTCUA_SIGNING_TOKEN_LABEL": self.settings.signing_token_label,
            "MOTCUA_SIGNING_PIN": self.settings.signing_pin,
            "MOTCUA_SIGNING_TRUST_ROOTS": self.settings.signing_trust_roots,
            "MOTCUA_SMS_GATEWAY_URL": self.settings.sms_gateway_url,
            "MOTCUA_CITIZEN_QUIET_HOURS": self.settings.citizen_quiet_hours,
            "MOTCUA_LOG_LEVEL": "WARNING",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "motcua", "worker"], env=env, start_new_session=True
        )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(30)


@pytest.fixture
async def durable(tmp_path: Path) -> AsyncIterator[DurableServer]:
    server = DurableServer(tmp_path / "temporal.db")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def fault_settings(settings: Settings, durable: DurableServer, gateways: str) -> Settings:
    return settings.model_copy(
        update={
            "temporal_address": durable.address,
            "database_url": DATABASE_URL,
            # Applicants' messages go out through the gateway simulator, for the tests to
            # count what arrived, whatever the hour the tests run at (workers in processes
            # of their own keep the wall clock).
            "sms_gateway_url": f"{gateways}/sms",
            "citizen_quiet_hours": "00:00-00:00",
        }
    )


@pytest.fixture
def workers(fault_settings: Settings) -> Iterator[Workers]:
    pool = Workers(fault_settings)
    yield pool
    pool.stop_all()


@pytest.fixture
async def durable_client(fault_settings: Settings) -> Client:
    # The production converter (encrypted payloads), as the worker processes use.
    return await connect(fault_settings)


@pytest.fixture
async def fault_api(
    fault_settings: Settings,
    engine: AsyncEngine,
    sessionmaker: SessionMaker,
    durable_client: Client,
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        fault_settings,
        resources=Resources(fault_settings, engine, sessionmaker, durable_client),
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://motcua.test",
            auth=StaffAuth(fault_settings),
            timeout=180,
        ) as client:
            yield client
