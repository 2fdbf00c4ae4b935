"""Schemathesis over the OpenAPI schema, against the live app with a real worker and
PostgreSQL: no request may get a 5xx or a response that breaks the documented schema."""

import asyncio
import os
import sys
from pathlib import Path

from motcua.settings import Settings
from tests.auth import ADMIN, bearer

ST = Path(sys.executable).with_name("st")
REPORT = Path(__file__).resolve().parents[2] / "artifacts" / "schemathesis.txt"


async def test_no_generated_request_gets_a_server_error_or_an_undocumented_body(
    live_server: str, settings: Settings
) -> None:
    process = await asyncio.create_subprocess_exec(
        str(ST),
        "run",
        f"{live_server}/openapi.json",
        "--checks",
        "not_a_server_error,response_schema_conformance,status_code_conformance",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        "15",
        "--seed",
        "766",
        # The same cases every run, and no example store written into the checkout.
        "--generation-database",
        "none",
        "--workers",
        "2",
        "--request-timeout",
        "20",
        # An open event stream never ends by design; its own tests cover it.
        "--exclude-path",
        "/api/v1/events/stream",
        "-H",
        f"Authorization: {bearer(settings, ADMIN)}",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "NO_COLOR": "1"},
    )
    output, _ = await process.communicate()
    report = output.decode(errors="replace")

    _keep(report)
    assert process.returncode == 0, report[-6000:]


def _keep(report: str) -> None:
    """The whole report, for a person to read after a failure."""
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(report, encoding="utf-8")
