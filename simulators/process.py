"""Starting a server the tests talk to as its own process, and waiting for its port."""

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def serving(command: Sequence[str], port: int, wait: float = 30.0) -> Iterator[None]:
    process = subprocess.Popen(
        list(command), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + wait
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                break
            if process.poll() is not None:
                _, err = process.communicate()
                raise RuntimeError(f"{command[0]} ended at start: {err.decode()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]} did not listen on {port} within {wait} s")
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]
