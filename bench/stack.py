"""The load benchmark's stack: a Temporal dev server on SQLite (WAL), one `motcua worker`
and one `motcua api`, as separate processes as `make run` runs them, with their CPU use."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

from motcua.devserver import temporal_binary
from motcua.settings import Settings
from motcua.signing import demo_token
from simulators.portal import PASSWORD, USERNAME

DATABASE = os.environ.get(
    "MOTCUA_LOAD_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_load"
)
SECRET = "load-benchmark-secret-key-of-32-characters"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def cpu_of(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


def postgresql_cpu() -> float:
    """PostgreSQL's CPU so far: its live processes, and the connections that ended, which
    the postmaster has reaped into its children's times (a sum over live processes alone
    falls when a connection closes)."""
    live = [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]
    pids = {p.pid for p in live}
    total = 0.0
    for process in live:
        total += cpu_of(process)
        try:
            if process.ppid() not in pids:  # the postmaster
                times = process.cpu_times()
                total += times.children_user + times.children_system
        except psutil.Error:
            continue
    return total


class Stack:
    """Dev server, worker and API as separate processes, as `make run` runs them."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.temporal_port, self.api_port = free_port(), free_port()
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.bare_port = 0
        self.env = {
            **os.environ,
            "MOTCUA_ENVIRONMENT": "development",
            "MOTCUA_SECRET_KEY": SECRET,
            "MOTCUA_DATABASE_URL": DATABASE,
            "MOTCUA_TEMPORAL_ADDRESS": f"127.0.0.1:{self.temporal_port}",
            "MOTCUA_API_PORT": str(self.api_port),
            "MOTCUA_WORKER_METRICS_PORT": "0",
            "MOTCUA_TRACKING_PER_MINUTE": "1000000",
            "MOTCUA_LOG_LEVEL": "WARNING",
            # Phase 6 back-dates dossiers (demo mode, development only).
            "MOTCUA_DEMO_CLOCK": "true",
        }

    def start(self) -> None:
        self.processes["temporal"] = subprocess.Popen(
            [temporal_binary(), "server", "start-dev", "--headless",
             "--db-filename", str(self.workdir / "temporal.db"), "--ip", "127.0.0.1",
             "--port", str(self.temporal_port), "--http-port", str(free_port()),
             "--metrics-port", str(free_port()), "--log-level", "error",
             "--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_port(self.temporal_port)
        # `approve` signs the result on a PKCS#11 token, as `make run` does: a demo SoftHSM2.
        self.env.update(demo_token(Settings(secret_key=SECRET, data_dir=self.workdir)))
        python = sys.executable
        self.processes["worker"] = subprocess.Popen(
            [python, "-m", "motcua", "worker"], env=self.env
        )
        self.processes["api"] = subprocess.Popen([python, "-m", "motcua", "api"], env=self.env)
        wait_port(self.api_port)

    def portal(self, delay_ms: int) -> None:
        """The national portal's simulator answering in `delay_ms`; the worker syncs to it."""
        port = free_port()
        self.processes["portal"] = subprocess.Popen(
            [sys.executable, "-m", "simulators.portal", str(port)]
        )
        wait_port(port)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/control",
            data=json.dumps({"delay_ms": delay_ms}).encode(),
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=10).close()
        self.env.update(
            MOTCUA_PORTAL_URL=f"http://127.0.0.1:{port}",
            MOTCUA_PORTAL_USERNAME=USERNAME,
            MOTCUA_PORTAL_PASSWORD=PASSWORD,
        )

    def raw_worker(self) -> None:
        self.processes["raw"] = subprocess.Popen(
            [sys.executable, "-m", "bench.load", "--raw-worker", f"127.0.0.1:{self.temporal_port}"]
        )

    def bare_api(self, task_queue: str) -> int:
        """The thinnest service in front of Temporal (bench/bare.py), on its own port."""
        port = free_port()
        self.processes["bare"] = subprocess.Popen(
            [sys.executable, "-m", "bench.bare", str(port), f"127.0.0.1:{self.temporal_port}",
             task_queue]
        )  # fmt: skip
        wait_port(port)
        return port

    def cpu_seconds(self) -> dict[str, float]:
        """CPU used so far by each part of the stack, PostgreSQL and this process included."""
        used = {
            name: cpu_of(psutil.Process(process.pid)) for name, process in self.processes.items()
        }
        used["postgresql"] = postgresql_cpu()
        used["load generator"] = cpu_of(psutil.Process())
        return used

    def rss_mb(self, name: str) -> float:
        return psutil.Process(self.processes[name].pid).memory_info().rss / 2**20

    def stop(self) -> None:
        # The server last, so that workers finish what they hold before it goes.
        for process in reversed(list(self.processes.values())):
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()  # an API still holding keep-alive connections
                process.wait(5)
