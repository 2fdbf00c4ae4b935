"""Work-queue benchmark: a unit's queue page over N dossiers in PostgreSQL (default 500,000).

    .venv/bin/python -m bench.queues [--dossiers 500000] [--queries 300]

Creates (and drops first) the database `motcua_bench`, applies the migrations, loads the
reference data, bulk-loads N projection rows spread over the province's units (about
40 % still open), then times the queue query the API runs, for several filters, and prints
p50/p95/p99 per filter. The target is p95 under 50 ms.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import asyncpg

import catalogue
from db.migrate import recreate_database, upgrade_async
from db.queues import QueueFilter, queue_page
from db.reference import load_procedures, load_units
from db.session import make_engine, make_sessionmaker
from motcua.settings import Settings

URL = os.environ.get(
    "MOTCUA_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/motcua_bench"
)
SUB_STATES = {
    1: ["awaiting_receipt"],
    2: ["awaiting_transfer"],
    4: ["awaiting_assignment", "in_appraisal", "in_consultation", "awaiting_signature", "signed"],
    5: ["awaiting_supplement"],
    6: ["awaiting_payment"],
    9: ["awaiting_return"],
}


def _rows(count: int, units: list[str], procedures: list[str], now: datetime):  # type: ignore[no-untyped-def]
    rng = random.Random(42)
    applicant = json.dumps(
        {"full_name": "Nguyễn Văn A", "id_number": "066190001234", "phone": "0912345678"}
    )
    for n in range(count):
        unit = rng.choice(units)
        submitted = now - timedelta(days=rng.uniform(0, 365))
        is_open = rng.random() < 0.4
        status = rng.choice(list(SUB_STATES)) if is_open else rng.choice([3, 8, 10, 10, 10])
        sub_state = rng.choice(SUB_STATES[status]) if is_open else "closed"
        due = submitted + timedelta(days=rng.uniform(0.5, 30))
        yield (
            f"BENCH-{n:08d}",
            rng.choice(procedures),
            1,
            unit,
            unit,
            unit,
            rng.choice([1, 2, 3]),
            status,
            sub_state,
            "Nguyễn Văn A",
            "066190001234",
            "0912345678",
            applicant,
            submitted,
            submitted,
            due if status != 1 else None,
            due,
            unit,
            f"officer.{rng.randrange(20)}" if status == 4 else None,
            0,
            False,
            None if is_open else due,
            submitted,
            1,
            "{}",
        )


COLUMNS = [
    "code",
    "procedure_code",
    "procedure_version",
    "receiving_unit",
    "competent_authority",
    "returning_unit",
    "channel",
    "status",
    "sub_state",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant",
    "submitted_at",
    "accepted_at",
    "due_at",
    "original_due_at",
    "holder_unit",
    "assignee",
    "supplement_requests",
    "late_by_rule",
    "closed_at",
    "updated_at",
    "last_seq",
    "snapshot",
]


async def fresh_database(url: str = URL) -> None:
    """The benchmark database, empty but for the migrations and the reference data."""
    await recreate_database(url)
    await upgrade_async(url, Settings().timezone)
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session, session.begin():
        await load_units(session, catalogue.load_units())
        await load_procedures(session, catalogue.load_procedures())
    await engine.dispose()


async def prepare(count: int) -> tuple[list[str], datetime]:
    await fresh_database()
    units = [u.code for u in catalogue.load_units() if u.receives_dossiers or u.level == "province"]
    procedures = [p.code for p in catalogue.load_procedures()]
    now = datetime.now(UTC)
    connection = await asyncpg.connect(URL.replace("+asyncpg", ""))
    started = time.perf_counter()
    await connection.copy_records_to_table(
        "dossier", records=_rows(count, units, procedures, now), columns=COLUMNS
    )
    await connection.execute("ANALYZE dossier")
    await connection.close()
    print(
        f"loaded {count:,} dossiers over {len(units)} units in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return units, now


async def measure(units: list[str], now: datetime, queries: int) -> None:
    engine = make_engine(URL)
    sessionmaker = make_sessionmaker(engine)
    rng = random.Random(7)
    cases = {
        "unit page (open, by due date)": lambda u: QueueFilter(unit=u, now=now),
        "officer's dossiers": lambda u: QueueFilter(
            unit=u,
            now=now,
            sub_states=["in_appraisal", "in_consultation"],
            assignee=f"officer.{rng.randrange(20)}",
        ),
        "due within 16 working hours": lambda u: QueueFilter(
            unit=u, now=now, due_before=now + timedelta(days=2)
        ),
        "overdue": lambda u: QueueFilter(unit=u, now=now, overdue=True),
        "page 20 of 50": lambda u: QueueFilter(unit=u, now=now, page=20),
    }
    print(f"{'query':32} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'rows/page':>10}")
    for name, make in cases.items():
        timings, sizes = [], []
        for _ in range(queries):
            filters = make(rng.choice(units))
            async with sessionmaker() as session:
                started = time.perf_counter()
                _, rows = await queue_page(session, filters)
                timings.append((time.perf_counter() - started) * 1000)
                sizes.append(len(rows))
        quantiles = statistics.quantiles(timings, n=100)
        print(
            f"{name:32} {statistics.median(timings):8.2f} {quantiles[94]:8.2f} "
            f"{quantiles[98]:8.2f} {statistics.mean(sizes):10.1f}"
        )
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=500_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    units, now = await prepare(args.dossiers)
    await measure(units, now, args.queries)


if __name__ == "__main__":
    asyncio.run(main())
