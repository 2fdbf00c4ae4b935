"""`motcua run`: the whole product on one machine, kept up, and stopped cleanly by Ctrl-C.

The embedded Temporal dev server, the worker and the API run as child processes in their
own process groups, so Ctrl-C reaches only this supervisor, which stops them in order.
Any of the three that exits is started again after a pause that doubles with each quick
failure (1 s, 2 s, 4 s … a minute), and the log says so; a worker that is alive but no
longer polling (its heartbeat file goes stale) is replaced. A second Ctrl-C, or make's
repeated SIGTERM, during shutdown only says that shutdown is under way: every child is
stopped, none is left behind.
"""

import asyncio
import contextlib
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
from motcua.heartbeat import heartbeat_file, stale
from motcua.settings import Environment, Settings
from motcua.signing import use_demo_token

log = logging.getLogger("motcua.run")


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop(signal.Signals(signum).name)


ROOT = Path(__file__).resolve().parents[1]
# The demo's account at the portal simulator and its gateway's signing secret: stand-ins.
_DEMO_PORTAL = ("motcua-daklak", "demo-portal-password")
_DEMO_MERCHANT = ("MOTCUA01", "demo-gateway-secret-0123456789")


def _spawn(command: list[str], log_file: Path | None = None) -> subprocess.Popen[bytes]:
    output = None if log_file is None else log_file.open("ab")
    return subprocess.Popen(command, stdout=output, stderr=output, start_new_session=True, cwd=ROOT)


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
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class _Child:
    """One supervised process: started again when it exits, later each time it fails fast."""

    QUICK = 60.0  # a child that ran longer than this had started well
    LONGEST_PAUSE = 60.0

    def __init__(self, name: str, command: list[str], log_file: Path | None = None) -> None:
        self.name, self.command, self.log_file = name, command, log_file
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.pause = 1.0
        self.restart_at: float | None = None

    def start(self) -> subprocess.Popen[bytes]:
        self.process = _spawn(self.command, self.log_file)
        self.started_at = time.monotonic()
        self.restart_at = None
        return self.process

    def watch(self) -> bool:
        """Restart when due; True when the child was (re)started in this call."""
        now = time.monotonic()
        if self.restart_at is not None:
            if now < self.restart_at:
                return False
            log.warning("starting %s again", self.name)
            self.start()
            return True
        if self.process is None or self.process.poll() is None:
            return False
        ran = now - self.started_at
        self.pause = 1.0 if ran > self.QUICK else min(self.pause * 2, self.LONGEST_PAUSE)
        self.restart_at = now + self.pause
        log.error(
            "%s exited with %s after %.0f s; starting it again in %.0f s",
            self.name,
            self.process.returncode,
            ran,
            self.pause,
        )
        return False

    def replace(self, why: str) -> None:
        log.error("%s: %s; replacing it", self.name, why)
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.start()

    def stop(self) -> None:
        self.restart_at = None
        _stop(self.process, self.name)


def _simulators(settings: Settings, base_url: str) -> list[_Child]:
    """In development, the systems no machine here reaches stand in as local simulators, so
    the demo syncs dossiers to a portal and takes fees online. Never where one is
    configured, and never outside a checkout that holds simulators/."""
    if not (ROOT / "simulators").is_dir():
        return []
    stand_ins: list[tuple[str, str, list[str], dict[str, str]]] = []
    if not settings.portal_url:
        port = settings.demo_portal_port
        user, password = _DEMO_PORTAL
        env = {
            "MOTCUA_PORTAL_URL": f"http://127.0.0.1:{port}",
            "MOTCUA_PORTAL_USERNAME": user,
            "MOTCUA_PORTAL_PASSWORD": password,
        }
        stand_ins.append(("the portal simulator", "portal", [str(port), user, password], env))
    if not settings.payment_gateway_url:
        port = settings.demo_payment_port
        merchant, secret = _DEMO_MERCHANT
        env = {
            "MOTCUA_PAYMENT_GATEWAY_URL": f"http://127.0.0.1:{port}/pay",
            "MOTCUA_PAYMENT_MERCHANT_CODE": merchant,
            "MOTCUA_PAYMENT_SECRET": secret,
        }
        args = [str(port), secret, f"{base_url}/api/v1/payments/ipn"]
        stand_ins.append(("the payment gateway simulator", "paygate", args, env))
    children = []
    for name, module, args, env in stand_ins:
        command = [sys.executable, "-m", f"simulators.{module}", *args]
        children.append(_Child(name, command, settings.data_dir / f"{module}-simulator.log"))
        # The worker and the API started after this speak to it.
        os.environ.update(env)
    return children


def _stopping(signum: int, frame: object) -> None:
    log.warning("%s: already stopping, please wait", signal.Signals(signum).name)


def _banner(settings: Settings, demo_codes: list[str], *, simulated: bool = False) -> str:
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
    if simulated:
        lines.append(
            f"  Simulated portal:    http://127.0.0.1:{settings.demo_portal_port}/received"
            " (Cổng DVCQG mô phỏng · what it was sent)"
        )
        lines.append(
            f"  Simulated gateway:   http://127.0.0.1:{settings.demo_payment_port}/pay"
            " (cổng thanh toán mô phỏng)"
        )
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
    python = sys.executable
    temporal = None
    if not settings.temporal_address:
        temporal = _Child(
            "the Temporal dev server",
            dev_server_command(settings),
            settings.data_dir / "temporal.log",
        )
    worker = _Child("the worker", [python, "-m", "motcua", "worker"])
    api = _Child("the API", [python, "-m", "motcua", "api"])
    base_url = f"http://{settings.api_host}:{settings.api_port}"
    demo_on = demo and settings.environment is Environment.DEVELOPMENT
    stand_ins = _simulators(settings, base_url) if demo_on else []
    try:
        for stand_in in stand_ins:
            stand_in.start()
        if temporal is not None:
            log.info("starting the embedded Temporal dev server (data in %s)", settings.data_dir)
            _wait_for_port(settings.temporal_port, temporal.start(), timeout=60)
        log.info("migrating %s and loading reference data", settings.resolved_database_url)
        asyncio.run(prepare_database(settings.resolved_database_url, settings.timezone))
        if demo and settings.environment is Environment.DEVELOPMENT:
            asyncio.run(ensure_demo_users(settings.resolved_database_url))
            # The API takes back-dated demo submissions (motcua seed) in development only.
            os.environ["MOTCUA_DEMO_CLOCK"] = "true"
            use_demo_token(settings)
        worker.start()
        # The terminal shows warnings only; MOTCUA_LOG_LEVEL=INFO shows every request.
        os.environ.setdefault("MOTCUA_LOG_LEVEL", "WARNING")
        _wait_for_health(f"{base_url}/api/v1/health", api.start(), timeout=60)
        codes = seed_demo(base_url) if demo_on else []
        print(_banner(settings, codes, simulated=bool(stand_ins)), flush=True)
        if demo_on:
            _seed_once(settings, base_url)
        # A worker has this long to start polling before its heartbeat is judged.
        grace = 60.0 + 4 * settings.worker_heartbeat_seconds
        while True:
            time.sleep(1)
            for child in [temporal, worker, api, *stand_ins]:
                if child is not None:
                    child.watch()
            alive = worker.process is not None and worker.process.poll() is None
            if alive and time.monotonic() - worker.started_at > grace:
                assert worker.process is not None
                beat = heartbeat_file(settings, worker.process.pid)
                if stale(beat, settings):
                    worker.replace(
                        f"no heartbeat in {beat} for {4 * settings.worker_heartbeat_seconds:.0f} s"
                    )
    except _Stop:
        return 0
    finally:
        # Whatever arrives now (a second Ctrl-C, make's SIGTERM) must not cut this short.
        signal.signal(signal.SIGTERM, _stopping)
        signal.signal(signal.SIGINT, _stopping)
        api.stop()
        worker.stop()
        for stand_in in stand_ins:
            stand_in.stop()
        if temporal is not None:
            temporal.stop()


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
