"""Dossier codes: `{agency e-ID}-{YYMMDD}-{NNNN}`, the sequence reset daily per agency.

The counter row is bumped with one INSERT … ON CONFLICT DO UPDATE … RETURNING, so concurrent
submissions serialise on that row and each gets its own number; the primary key of the
dossier table is the final guard. The format is pluggable because nationally centralised
services use `MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX` (Circular 03/2025).
"""

from collections.abc import Callable
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import DossierCodeCounterRow
from db.upsert import insert_for, table_of

CodeFormat = Callable[[str, date, int], str]


def standard_code(agency_e_id: str, day: date, sequence: int) -> str:
    return f"{agency_e_id}-{day:%y%m%d}-{sequence:04d}"


async def next_sequence(session: AsyncSession, agency_e_id: str, day: date) -> int:
    table = table_of(DossierCodeCounterRow)
    statement = (
        insert_for(session, DossierCodeCounterRow)
        .values(agency_e_id=agency_e_id, day=day, last_value=1)
        .on_conflict_do_update(
            index_elements=[table.c.agency_e_id, table.c.day],
            set_={"last_value": table.c.last_value + 1},
        )
        .returning(table.c.last_value)
    )
    result = await session.exec(statement)
    return int(result.scalar_one())


async def allocate_code(
    session: AsyncSession, agency_e_id: str, day: date, code_format: CodeFormat = standard_code
) -> str:
    return code_format(agency_e_id, day, await next_sequence(session, agency_e_id, day))
