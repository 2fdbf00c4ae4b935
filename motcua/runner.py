"""`motcua run`: the whole product on one machine, stopped cleanly by Ctrl-C.

The embedded Temporal dev server, the worker and the API run as child processes in their
own process groups, so Ctrl-C reaches only this supervisor, which stops them in order.
A worker that exits is restarted; if the server or the API exits, everything stops.
"""

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from motcua.database import ensure_demo_users, prepare_database
from motcua.demo import seed_demo
from motcua.devserver import dev_server_command
from motcua.settings import Environment, Settings

log = logging.getLogger("motcua.run")


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop(signal.Signals(signum).name)


def _spawn(command: list[str], log_file: Path | None = None) -> subprocess.Popen[bytes]:
    output = None if log_file is None else log_file.open("ab")
    return subprocess.Popen(command, stdout=output, stderr=output, start_new_session=True)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port} after {timeout:.0f}s")


def _wait_for_health(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"API exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not report healthy within {timeout:.0f}s")


def _stop(process: subprocess.Popen[bytes] | None, name: str) -> None:
    if process is None or process.poll() is not None:
        return
    log.info("stopping %s", name)
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _banner(settings: Settings, demo_codes: list[str]) -> str:
    api = f"http://{settings.api_host}:{settings.api_port}"
    lines = [
        "",
        "motcua đang chạy · motcua is running",
        f"  Web pages:           {api}/  (cán bộ: {api}/can-bo/dang-nhap)",
        f"  API docs (OpenAPI):  {api}/docs",
        f"  Health:              {api}/api/v1/health",
        f"  Temporal:            {settings.resolved_temporal_address}"
        f" (namespace {settings.temporal_namespace}, task queue {settings.task_queue})",
    ]
    if not settings.temporal_address:
        lines.append(f"  Temporal Web UI:     http://127.0.0.1:{settings.temporal_ui_port}")
    lines.append(f"  Database:            {settings.resolved_database_url}")
    if demo_codes:
        lines.append(f"  Demo dossiers:       {', '.join(demo_codes)}")
        lines.append(
            "  Demo accounts:       clerk.tanlap, officer.tuphap, leader.tuphap, "
            "supervisor.tinh, admin … (password motcua-demo; see README)"
        )
    lines += ["Nhấn Ctrl-C để dừng · Press Ctrl-C to stop", ""]
    return "\n".join(lines)


def run(settings: Settings, *, demo: bool = True) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Explicit handlers: a runner started in the background inherits an ignored SIGINT.
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    temporal = worker = api = None
    python = sys.executable
    try:
        if not settings.temporal_address:
            log.info("starting the embedded Temporal dev server (data in %s)", settings.data_dir)
            temporal = _spawn(dev_server_command(settings), settings.data_dir / "temporal.log")
            _wait_for_port(settings.temporal_port, temporal, timeout=60)
        log.info("migrating %s and loading reference data", settings.resolved_database_url)
        asyncio.run(prepare_database(settings.resolved_database_url))
        if demo and settings.environment is Environment.DEVELOPMENT:
            asyncio.run(ensure_demo_users(settings.resolved_database_url))
            # The API takes back-dated demo submissions (motcua seed) in development only.
            os.environ["MOTCUA_DEMO_CLOCK"] = "true"
        worker = _spawn([python, "-m", "motcua", "worker"])
        # The terminal shows warnings only; MOTCUA_LOG_LEVEL=INFO shows every request.
        os.environ.setdefault("MOTCUA_LOG_LEVEL", "WARNING")
        api = _spawn([python, "-m", "motcua", "api"])
        base_url = f"http://{settings.api_host}:{settings.api_port}"
        _wait_for_health(f"{base_url}/api/v1/health", api, timeout=60)
        demo_on = demo and settings.environment is Environment.DEVELOPMENT
        codes = seed_demo(base_url) if demo_on else []
        print(_banner(settings, codes), flush=True)
        if demo_on:
            _seed_once(settings, base_url)
        while True:
            time.sleep(1)
            if temporal is not None and temporal.poll() is not None:
                log.error(
                    "the Temporal dev server exited (%s); see %s",
                    temporal.returncode,
                    settings.data_dir / "temporal.log",
                )
                return 1
            if api.poll() is not None:
                log.error("the API exited (%s)", api.returncode)
                return 1
            if worker.poll() is not None:
                log.warning("the worker exited (%s); restarting it", worker.returncode)
                worker = _spawn([python, "-m", "motcua", "worker"])
    except _Stop:
        return 0
    finally:
        _stop(api, "API")
        _stop(worker, "worker")
        _stop(temporal, "Temporal dev server")


def _seed_once(settings: Settings, base_url: str) -> None:
    """On the first run, a small demo province in the background, so dashboards have figures."""
    marker = settings.data_dir / "seeded"
    size = settings.demo_seed_dossiers
    if marker.exists() or size == 0:
        return
    from motcua.seed import seed

    def work() -> None:
        log.info("DEMO MODE: seeding %s back-dated demo dossiers in the background", size)
        tally = asyncio.run(
            seed(settings, base_url, size, days=45, concurrency=4, random_seed=1, progress=False)
        )
        marker.write_text(f"{tally.created} created, {tally.failed} failed\n")
        log.info("demo seeding done: %s created, %s failed", tally.created, tally.failed)
        for error in tally.errors[:3]:
            log.warning("demo dossier not seeded: %s", error)

    threading.Thread(target=work, name="demo-seed", daemon=True).start()
