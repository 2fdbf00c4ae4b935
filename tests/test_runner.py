"""`motcua run` as a newcomer uses it: starts everything, keeps dossiers across runs, stops clean."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, token: str | None = None) -> Any:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _login(base: str, username: str) -> str:
    form = urllib.parse.urlencode({"username": username, "password": "motcua-demo"}).encode()
    with urllib.request.urlopen(f"{base}/auth/token", data=form, timeout=10) as response:
        token: str = json.load(response)["access_token"]
        return token


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "motcua", "run"],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while "Ctrl-C" not in log.read_text(encoding="utf-8", errors="replace"):
        assert process.poll() is None, log.read_text(encoding="utf-8", errors="replace")
        assert time.monotonic() < deadline, "motcua run did not come up in 120 s"
        time.sleep(0.5)
    return process


def _interrupt(process: subprocess.Popen[bytes]) -> list[int]:
    children = [c.pid for c in psutil.Process(process.pid).children(recursive=True)]
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    return [pid for pid in children if psutil.pid_exists(pid)]


def _product_env(tmp_path: Path, api_port: int, **extra: str) -> dict[str, str]:
    """`motcua run` on its own ports and files, without the background demo province:
    these tests are about starting, keeping up and stopping."""
    return {
        **os.environ,
        "MOTCUA_DATA_DIR": str(tmp_path / "data"),
        "MOTCUA_DATABASE_URL": "",
        "MOTCUA_TEMPORAL_ADDRESS": "",
        "MOTCUA_API_PORT": str(api_port),
        "MOTCUA_TEMPORAL_PORT": str(_free_port()),
        "MOTCUA_TEMPORAL_UI_PORT": str(_free_port()),
        "MOTCUA_ENVIRONMENT": "development",
        "MOTCUA_DEMO_SEED_DOSSIERS": "0",
        **extra,
    }


def test_run_serves_keeps_dossiers_and_stops_cleanly(tmp_path: Path) -> None:
    api_port = _free_port()
    env = _product_env(tmp_path, api_port)
    base = f"http://127.0.0.1:{api_port}/api/v1"

    first = _start(env, tmp_path / "first.log")
    try:
        banner = (tmp_path / "first.log").read_text(encoding="utf-8")
        health = _get(f"{base}/health")
        demo_code = banner.split("Demo dossiers:")[1].split(",")[0].strip()
        supervisor = _login(base, "supervisor.tinh")
        demo = _get(f"{base}/dossiers/{demo_code}", supervisor)
    finally:
        left_running = _interrupt(first)

    assert left_running == []
    assert "/docs" in banner
    assert "Temporal Web UI" in banner
    assert health["status"] == "ok"
    assert demo["status"]["code"] == 2  # the first demo dossier is accepted

    second = _start(env, tmp_path / "second.log")
    try:
        again = _get(f"{base}/dossiers/{demo_code}", _login(base, "supervisor.tinh"))
        units = _get(f"{base}/units?level=commune")
    finally:
        assert _interrupt(second) == []

    assert again["timeline"] == demo["timeline"]
    assert len(units) == 102


def _children(process: subprocess.Popen[bytes]) -> dict[str, psutil.Process]:
    """The runner's three children by role, from their command lines."""
    found = {}
    for child in psutil.Process(process.pid).children():
        line = " ".join(child.cmdline())
        role = "temporal" if "start-dev" in line else line.rsplit(" ", 1)[-1]
        found[role] = child
    return found


def _wait_until(check: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, KeyError, psutil.Error):
            found = check()
            if found:
                return found
        time.sleep(0.5)
    raise AssertionError(f"{what} within {seconds:.0f} s")


def test_run_brings_back_whatever_dies_and_replaces_a_stuck_worker(tmp_path: Path) -> None:
    api_port = _free_port()
    # A beat a second: a stuck worker is judged after four seconds of silence.
    env = _product_env(tmp_path, api_port, MOTCUA_WORKER_HEARTBEAT_SECONDS="1")
    base = f"http://127.0.0.1:{api_port}/api/v1"
    log = tmp_path / "run.log"
    runner = _start(env, log)
    try:
        first = _children(runner)
        first["api"].kill()
        first["temporal"].kill()
        # Both back: the API answers healthy, which needs the Temporal server too.
        _wait_until(lambda: _get(f"{base}/health")["status"] == "ok", 90, "health back")
        again = _children(runner)
        assert again["api"].pid != first["api"].pid
        assert again["temporal"].pid != first["temporal"].pid

        # Alive but stuck: the process exists, it polls no more.
        stuck = again["worker"]
        _wait_until(
            lambda: (tmp_path / "data" / f"worker-{stuck.pid}.alive").exists(), 90, "a heartbeat"
        )
        stuck.suspend()
        replaced = _wait_until(
            lambda: _children(runner)["worker"].pid != stuck.pid, 120, "the stuck worker replaced"
        )
        assert replaced
        assert not psutil.pid_exists(stuck.pid) or stuck.status() == psutil.STATUS_ZOMBIE
    finally:
        children = [c.pid for c in psutil.Process(runner.pid).children(recursive=True)]
        # A second Ctrl-C and a SIGTERM during shutdown change nothing: all stop, none left.
        runner.send_signal(signal.SIGINT)
        time.sleep(0.3)
        runner.send_signal(signal.SIGINT)
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(timeout=90) == 0
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "the API exited" in text
    assert "starting it again" in text
    assert "the Temporal dev server exited" in text
    assert "the worker: no heartbeat" in text
    assert "replacing it" in text
    assert "already stopping" in text
    assert [pid for pid in children if psutil.pid_exists(pid)] == []


def test_the_api_stops_on_sigterm_though_an_event_stream_is_open(tmp_path: Path) -> None:
    temporal_port, api_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "MOTCUA_DATA_DIR": str(tmp_path),
        "MOTCUA_DATABASE_URL": "",
        "MOTCUA_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
        "MOTCUA_API_PORT": str(api_port),
        "MOTCUA_API_DRAIN_SECONDS": "2",
        "MOTCUA_ENVIRONMENT": "development",
    }
    from motcua.devserver import dev_server_command
    from motcua.settings import Settings

    server = subprocess.Popen(
        dev_server_command(
            Settings(data_dir=tmp_path, temporal_port=temporal_port, temporal_ui_port=_free_port())
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        subprocess.run(
            [sys.executable, "-m", "motcua", "migrate"], env=env, check=True, capture_output=True
        )
        subprocess.run(
            [
                sys.executable,
                "-m",
                "motcua",
                "user",
                "supervisor.x",
                "--name",
                "S",
                "--role",
                "supervisor",
                "--unit",
                "dak-lak",
            ],
            env=env,
            input=b"mat-khau-giam-sat\n",
            check=True,
            capture_output=True,
        )
        api = subprocess.Popen(
            [sys.executable, "-m", "motcua", "api"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{api_port}/api/v1"
        token = _wait_until(
            lambda: _login_with(base, "supervisor.x", "mat-khau-giam-sat"), 60, "the API up"
        )
        stream = urllib.request.urlopen(
            urllib.request.Request(
                f"{base}/events/stream", headers={"Authorization": f"Bearer {token}"}
            ),
            timeout=30,
        )
        assert stream.readline().startswith(b"retry:")

        api.send_signal(signal.SIGTERM)
        # The client keeps its stream open; the API must not wait for it to leave.
        code = api.wait(timeout=60)
        stream.close()
    finally:
        server.terminate()
        server.wait(timeout=30)

    # uvicorn re-raises the signal it handled once it has shut down.
    assert code in (0, -signal.SIGTERM)


def _login_with(base: str, username: str, password: str) -> str:
    form = urllib.parse.urlencode({"username": username, "password": password}).encode()
    with urllib.request.urlopen(f"{base}/auth/token", data=form, timeout=5) as response:
        token: str = json.load(response)["access_token"]
        return token
