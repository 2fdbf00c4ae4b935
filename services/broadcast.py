"""Telling many open dossiers about a change, at a pace the server can take.

A burst of tens of thousands of signals once stalled a worker here; a bounded number in
flight keeps the server and the workers responsive while a province-wide change spreads.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

IN_FLIGHT = 32


async def signal_each(
    client: Client,
    codes: Sequence[str],
    send: Callable[[Client, str], Awaitable[None]],
) -> int:
    """Run `send` for each dossier code, at most IN_FLIGHT at once; returns how many reached."""
    gate = asyncio.Semaphore(IN_FLIGHT)
    reached = 0

    async def one(code: str) -> None:
        nonlocal reached
        async with gate:
            try:
                await send(client, code)
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:  # closed since the query: skip it
                    raise
                return
            reached += 1

    await asyncio.gather(*(one(code) for code in codes))
    return reached
