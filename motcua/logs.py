"""Logging: one JSON object per line outside development, each with the request and the
dossier it concerns, so a log pipeline can follow one dossier across API and worker.

The API sets the request id and the dossier code in context variables for the request
it serves; inside an activity the dossier is the workflow's id; workflow code logs through
`workflow.logger`, whose records carry the workflow's id themselves.
"""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from temporalio import activity

from motcua.settings import Settings

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
DOSSIER: ContextVar[str | None] = ContextVar("dossier", default=None)

# Attributes every LogRecord has; anything else on a record came in through `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_NOISY = ("alembic", "weasyprint", "fontTools", "httpx", "uvicorn.access")


class ContextFilter(logging.Filter):
    """Puts request_id and dossier on every record, from wherever it was logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        # The outbox's dispatcher names the dossier of each message it sends (`extra=`).
        dossier = getattr(record, "dossier", None) or DOSSIER.get()
        if dossier is None and activity.in_activity():
            dossier = activity.info().workflow_id
        workflow_info = getattr(record, "temporal_workflow", None)
        if dossier is None and isinstance(workflow_info, dict):
            dossier = workflow_info.get("workflow_id")
        record.dossier = dossier
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(settings: Settings) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    if settings.json_logs:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
