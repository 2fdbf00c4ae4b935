"""Supervision benchmark: overdue, at-risk and the 766 statistics over N dossiers (1,000,000).

    .venv/bin/python -m bench.supervision [--dossiers 1000000] [--queries 30]

Creates (and drops first) the database `motcua_bench`, applies the migrations, loads the
reference data and bulk-loads N projection rows submitted over the last year across the
province's units (about 8 % still open, outcomes judged as the projection judges them),
counts them into the daily roll-up (`db.statistics.rebuild_daily`, as a repair would), then
times the queries the supervision endpoints run and prints p50/p95/max in ms.
The target is under 300 ms for each.
"""

import argparse
import asyncio
import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
from sqlmodel import col, select

import catalogue
from bench.queues import URL, fresh_database
from db.models import DossierRow
from db.session import make_engine, make_sessionmaker
from db.statistics import local_day, rebuild_daily, unit_reports
from motcua.settings import Settings

TZ = ZoneInfo(Settings().timezone)
COLUMNS = [
    "code", "procedure_code", "procedure_version", "receiving_unit", "competent_authority",
    "returning_unit", "channel", "status", "sub_state", "applicant_name",
    "applicant_id_number", "applicant_phone", "applicant", "submitted_at", "accepted_at",
    "due_at", "original_due_at", "legal_due_at", "finished_at", "holder_unit", "last_rung",
    "outcome", "processing_days", "digitised", "payment_method", "result_method",
    "closed_at", "updated_at", "last_seq", "snapshot",
]  # fmt: skip


def _rows(count: int, units: list[str], procedures: list[str], now: datetime):  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    applicant = json.dumps({"full_name": "Nguyễn Văn A", "id_number": "066190001234"})
    for n in range(count):
        unit = rng.choice(units)
        submitted = now - timedelta(days=rng.uniform(0, 365) ** 1.0)
        due = submitted + timedelta(days=rng.uniform(2, 25))
        is_open = (
            submitted > now - timedelta(days=30) and rng.random() < 0.9
        ) or rng.random() < 0.01
        finished = None if is_open else submitted + (due - submitted) * rng.uniform(0.2, 1.3)
        outcome = None
        if finished is not None:
            outcome = rng.choices(["early", "on_time", "late", "refused", "withdrawn"],
                                  [60, 20, 12, 5, 3])[0]  # fmt: skip
        status = rng.choice([4, 5, 6]) if is_open else (3 if outcome == "refused" else 10)
        yield (
            f"BENCH-{n:08d}", rng.choice(procedures), 1, unit, unit, unit,
            rng.choice([1, 2, 2, 3]), status, "in_appraisal" if is_open else "closed",
            "Nguyễn Văn A", "066190001234", "0912345678", applicant, submitted, submitted,
            due, due, due, finished, unit,
            rng.choice([None, None, "reminder-70", "head-90"]) if is_open else None,
            outcome, rng.uniform(0.5, 20) if outcome else None, rng.random() < 0.8,
            rng.choice([None, "online", "counter"]), rng.choice(["electronic", "in_person"]),
            finished, submitted, 1, "{}",
        )  # fmt: skip


async def prepare(count: int) -> None:
    await fresh_database()
    units = [u.code for u in catalogue.load_units()]
    procedures = [p.code for p in catalogue.load_procedures()]
    connection = await asyncpg.connect(URL.replace("+asyncpg", ""))
    started = time.perf_counter()
    rows = _rows(count, units, procedures, datetime.now(UTC))
    await connection.copy_records_to_table("dossier", records=rows, columns=COLUMNS)
    await connection.close()
    print(f"loaded {count:,} dossiers in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    engine = make_engine(URL)
    async with make_sessionmaker(engine)() as session, session.begin():
        days = await rebuild_daily(session, TZ)
    await engine.dispose()
    connection = await asyncpg.connect(URL.replace("+asyncpg", ""))
    await connection.execute("ANALYZE dossier; ANALYZE dossier_daily")
    await connection.close()
    print(f"counted them into {days:,} day rows in {time.perf_counter() - started:.1f} s")


async def measure(queries: int) -> None:
    engine = make_engine(URL)
    sessionmaker = make_sessionmaker(engine)
    now = datetime.now(UTC)
    today = local_day(now, TZ)
    # Reports run over whole days: the last month and quarter up to and including today.
    month = (today - timedelta(days=30), today + timedelta(days=1))
    quarter = (today - timedelta(days=91), today + timedelta(days=1))
    unfinished = col(DossierRow.finished_at).is_(None)

    async def overdue(session):  # type: ignore[no-untyped-def]
        return list(await session.exec(
            select(DossierRow).where(unfinished, col(DossierRow.due_at) < now)
            .order_by(col(DossierRow.due_at)).limit(50)))  # fmt: skip

    async def at_risk(session):  # type: ignore[no-untyped-def]
        return list(await session.exec(
            select(DossierRow).where(unfinished, col(DossierRow.due_at) >= now,
                                     col(DossierRow.last_rung).is_not(None))
            .order_by(col(DossierRow.due_at)).limit(50)))  # fmt: skip

    cases = {
        "overdue, province": overdue,
        "at risk, province": at_risk,
        "statistics, month, by unit": lambda s: unit_reports(s, *month, TZ),
        "statistics, quarter, by unit": lambda s: unit_reports(s, *quarter, TZ),
        "statistics, month, by procedure": lambda s: unit_reports(s, *month, TZ, by="procedure"),
        "statistics, month, one commune": lambda s: unit_reports(s, *month, TZ, unit="xa-vu-bon"),
    }
    print(f"{'query':<34} {'p50':>8} {'p95':>8} {'max':>8}  (ms, {queries} runs)")
    for name, query in cases.items():
        timings = []
        for _ in range(queries):
            async with sessionmaker() as session:
                started = time.perf_counter()
                await query(session)
                timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[int(0.95 * (len(timings) - 1))]
        print(f"{name:<34} {statistics.median(timings):8.1f} {p95:8.1f} {timings[-1]:8.1f}")
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()
    if not args.skip_load:
        await prepare(args.dossiers)
    await measure(args.queries)


if __name__ == "__main__":
    asyncio.run(main())
