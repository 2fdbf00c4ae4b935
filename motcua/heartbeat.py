"""A worker's heartbeat file: touched while Temporal sees the worker polling, read by
`motcua run` and by Kubernetes' liveness probe (`motcua alive FILE`) to replace a worker
that is alive but stuck."""

import os
import time
from pathlib import Path

from motcua.settings import Settings


def heartbeat_file(settings: Settings, pid: int | None = None) -> Path:
    if settings.worker_heartbeat_file:
        return Path(settings.worker_heartbeat_file)
    return settings.data_dir / f"worker-{pid or os.getpid()}.alive"


def stale(beat: Path, settings: Settings, now: float | None = None) -> bool:
    """A heartbeat older than four beats (or none at all): the worker makes no progress."""
    try:
        age = (now or time.time()) - beat.stat().st_mtime
    except FileNotFoundError:
        return True
    return age > 4 * settings.worker_heartbeat_seconds
