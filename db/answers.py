"""Reads behind the API's most frequent answers, as plain values by statements built once.

A citizen's tracking and a dossier's detail (after every action) are read far more often
than anything else; loading entities, and building statements with their cache keys, cost
more than the queries themselves.
"""

import functools
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, Row, Select, bindparam, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import (
    DossierEventRow,
    DossierFeedbackRow,
    DossierFormRow,
    DossierRow,
    OrgUnitRow,
)
from db.upsert import table_of

# What a citizen's tracking answer shows of the dossier row.
_TRACKED = (
    "code", "procedure_code", "procedure_version", "applicant_name", "status",
    "receiving_unit", "returning_unit", "submitted_at", "due_at", "finished_at", "last_seq",
    "snapshot",
)  # fmt: skip


@functools.cache
def _tracking_statements() -> tuple[Select[Any], Select[Any]]:
    # Plain columns, not entities, in statements built once: tracking is the most frequent
    # request, and loading entities cost more than the queries themselves.
    dossier = table_of(DossierRow)
    feedback = table_of(DossierFeedbackRow)
    event = table_of(DossierEventRow)
    receiving, returning = table_of(OrgUnitRow).alias(), table_of(OrgUnitRow).alias()
    row = (
        select(
            *(dossier.c[name] for name in _TRACKED),
            receiving.c.name_vi.label("receiving_name"),
            returning.c.name_vi.label("returning_name"),
            feedback.c.rating,
            feedback.c.complaint,
            feedback.c.created_at.label("rated_at"),
        )
        .join(receiving, receiving.c.code == dossier.c.receiving_unit)
        .join(returning, returning.c.code == dossier.c.returning_unit)
        .outerjoin(feedback, feedback.c.dossier_code == dossier.c.code)
        .where(dossier.c.code == bindparam("code"))
    )
    steps = (
        select(event.c.at, event.c.type, event.c.to_status, event.c.data)
        .where(event.c.dossier_code == bindparam("code"), event.c.seq <= bindparam("through"))
        .order_by(event.c.seq)
    )
    return row, steps


async def tracked_dossier(session: AsyncSession, code: str) -> Row[Any] | None:
    """In one statement, the dossier's columns a tracking answer shows, its two units'
    names (`receiving_name`, `returning_name`) and its rating (`rating`, `complaint`,
    `rated_at`; None if not rated), as plain values; None if there is no such dossier."""
    statement = _tracking_statements()[0]
    found: Row[Any] | None = (
        await (await session.connection()).execute(statement, {"code": code})
    ).first()
    return found


async def tracked_steps(session: AsyncSession, code: str, through: int) -> list[Row[Any]]:
    """The dossier's events (at, type, to_status, data) through its row's last event: see
    `list_events` for why."""
    statement = _tracking_statements()[1]
    connection = await session.connection()
    return list((await connection.execute(statement, {"code": code, "through": through})).all())


class DetailParts(NamedTuple):
    """What a dossier's detail shows beside its row."""

    units: dict[str, Row[Any]]  # code, e_id, name_vi
    timeline: list[Row[Any]]  # seq, type, at, actor, actor_unit, from/to_status, reason
    forms: list[Row[Any]]  # form, seq, filename, created_at; never the PDF


@functools.cache
def _detail_statements() -> tuple[Select[Any], Select[Any], Select[Any]]:
    unit, event, form = table_of(OrgUnitRow), table_of(DossierEventRow), table_of(DossierFormRow)
    code: BindParameter[str] = bindparam("code")
    units = select(unit.c.code, unit.c.e_id, unit.c.name_vi).where(
        or_(*(unit.c.code == bindparam(name) for name in ("u1", "u2", "u3")))
    )
    timeline = (
        select(event.c.seq, event.c.type, event.c.at, event.c.actor, event.c.actor_unit,
               event.c.from_status, event.c.to_status, event.c.reason)
        .where(event.c.dossier_code == code, event.c.seq <= bindparam("through"))
        .order_by(event.c.seq)
    )  # fmt: skip
    forms = (
        select(form.c.form, form.c.seq, form.c.filename, form.c.created_at)
        .where(form.c.dossier_code == code)
        .order_by(form.c.seq)
    )
    return units, timeline, forms


async def detail_parts(
    session: AsyncSession, code: str, units: tuple[str, str, str], through: int
) -> DetailParts:
    """The three units' references, the log through the row's last event (see
    `list_events`) and the forms issued."""
    by_unit, by_seq, issued = _detail_statements()
    connection = await session.connection()
    named = await connection.execute(by_unit, dict(zip(("u1", "u2", "u3"), units, strict=True)))
    timeline = await connection.execute(by_seq, {"code": code, "through": through})
    forms = await connection.execute(issued, {"code": code})
    return DetailParts({u.code: u for u in named}, list(timeline.all()), list(forms.all()))
