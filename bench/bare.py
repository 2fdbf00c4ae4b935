"""The thinnest service a team could put in front of Temporal instead, for the load
benchmark's second baseline: FastAPI under uvicorn forwarding the same eight requests to
the minimal workflow (bench/raw.py) as a start and seven Updates. No sign-in, no access
checks, no database, no forms.

    python -m bench.bare PORT TEMPORAL_ADDRESS TASK_QUEUE
"""

import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from temporalio.client import Client

from bench.raw import Counter

# The lifecycle's seven actions after the submission (bench/load.py LIFECYCLE).
UPDATES = 7


def app(address: str, task_queue: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        application.state.temporal = await Client.connect(address)
        yield

    bare = FastAPI(lifespan=lifespan)

    @bare.post("/dossiers", status_code=201)
    async def submit(request: Request, body: dict[str, Any]) -> dict[str, str]:
        code = f"bare-{uuid.uuid4().hex}"
        await request.app.state.temporal.start_workflow(
            Counter.run, UPDATES, id=code, task_queue=task_queue
        )
        return {"code": code}

    @bare.post("/dossiers/{code}/actions/{action}")
    async def act(request: Request, code: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        handle = request.app.state.temporal.get_workflow_handle(code)
        count = await handle.execute_update(Counter.bump)
        return {"code": code, "action": action, "count": count}

    return bare


def main(port: int, address: str, task_queue: str) -> None:
    # As `motcua api` serves: one uvicorn process, no access log.
    uvicorn.run(
        app(address, task_queue),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])
