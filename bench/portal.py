"""Portal sync benchmark: the sender against the simulated portal answering in 200 ms.

    .venv/bin/python -m bench.portal [--backlog 10000] [--delay-ms 200] [--batch 50]

Creates (and drops first) the database `motcua_bench`, applies the migrations, then:
1. the backlog an outage leaves: `--backlog` records queued (two per dossier, so order
   matters), the portal returns, and the time until all are acknowledged is the drain rate;
2. steady traffic: records queued one by one at a pace the sender can keep, and the lag
   from queueing to the portal's acknowledgement, p50/p95.
The simulator runs as its own process (simulators/portal.py).
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import UTC, datetime

import httpx
from sqlmodel import col, select

from activities.portal import DOSSIER_SHEET, PortalAccount, PortalClient, PortalSync
from db import portal
from db.migrate import recreate_database, upgrade_async
from db.models import PortalSyncRow
from db.session import make_engine, make_sessionmaker
from simulators.portal import DSTCODE, PASSWORD, USERNAME
from simulators.process import python_module, serving
from tests.conftest import free_port

URL = os.environ.get(
    "MOTCUA_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_bench"
)


def _record(code: str, seq: int) -> dict[str, object]:
    sheet = {"MaHoSo": code, "MaTTHC": "2.000488", "TrangThaiHoSo": seq}
    return {
        "dossier_code": code,
        "seq": seq,
        "service": DOSSIER_SHEET,
        "status_code": seq,
        "payload": {"isUpdating": seq > 1, "data": [sheet]},
    }


async def _waiting(sessionmaker) -> int:  # type: ignore[no-untyped-def]
    async with sessionmaker() as session:
        rows = await session.exec(
            select(PortalSyncRow.id).where(col(PortalSyncRow.acked_at).is_(None))
        )
        return len(rows.all())


async def main(backlog: int, delay_ms: int, batch: int) -> None:
    await recreate_database(URL)
    await upgrade_async(URL, "Asia/Ho_Chi_Minh")
    engine = make_engine(URL)
    sessionmaker = make_sessionmaker(engine)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serving(python_module("simulators.portal", str(port)), port):
        async with httpx.AsyncClient(base_url=base) as control:
            await control.post("/control", json={"delay_ms": delay_ms})
        client = PortalClient(PortalAccount(base, USERNAME, PASSWORD, DSTCODE, "000.00.00.H15"))
        sync = PortalSync(sessionmaker, client, batch=batch, poll_seconds=0.05)

        async with sessionmaker() as session, session.begin():
            records = [_record(f"BENCH-{n // 2:06d}", n % 2 + 1) for n in range(backlog)]
            for start in range(0, len(records), 1000):
                await portal.queue(session, records[start : start + 1000], datetime.now(UTC))
        began = time.perf_counter()
        while await sync.drain_once():
            pass
        drained = time.perf_counter() - began
        left = await _waiting(sessionmaker)
        print(f"backlog of {backlog} records, portal answering in {delay_ms} ms, batch {batch}:")
        print(f"  drained in {drained:.1f} s = {backlog / drained:.0f} records/s, {left} left")

        running = asyncio.create_task(sync.run())
        lags = []
        for n in range(200):
            async with sessionmaker() as session, session.begin():
                await portal.queue(session, [_record(f"LAG-{n:04d}", 1)], datetime.now(UTC))
            sync.wake()
            await asyncio.sleep(0.02)
        while await _waiting(sessionmaker):  # noqa: ASYNC110 (the database is what changes)
            await asyncio.sleep(0.05)
        sync.stop()
        await running
        async with sessionmaker() as session:
            rows = await session.exec(
                select(PortalSyncRow).where(col(PortalSyncRow.dossier_code).startswith("LAG-"))
            )
            for row in rows:
                assert row.acked_at is not None
                lags.append((row.acked_at - row.created_at).total_seconds() * 1000)
        lags.sort()
        p95 = lags[int(len(lags) * 0.95) - 1]
        p50 = statistics.median(lags)
        print(f"steady traffic, 50 records/s: lag p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--delay-ms", type=int, default=200)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.backlog, args.delay_ms, args.batch)))
