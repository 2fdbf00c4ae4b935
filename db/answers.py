"""Reads behind the API's most frequent answers, as plain values by statements built once.

A citizen's tracking and a dossier's detail (after every action) are read far more often
than anything else; loading entities, and building statements with their cache keys, cost
more than the queries themselves.
"""

import functools
from typing import Any, NamedTuple

from sqlalchemy import Row, Select, bindparam, or_, select
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
    "code", "procedure_code", "procedure_version", "applicant_name", "applicant", "status",
    "sub_state",
    "receiving_unit", "returning_unit", "submitted_at", "due_at", "finished_at", "last_seq",
    "snapshot",
)  # fmt: skip


@functools.cache
def _tracked_statement() -> Select[Any]:
    dossier = table_of(DossierRow)
    feedback = table_of(DossierFeedbackRow)
    receiving, returning = table_of(OrgUnitRow).alias(), table_of(OrgUnitRow).alias()
    return (
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


async def tracked_dossier(session: AsyncSession, code: str) -> Row[Any] | None:
    """In one statement, the dossier's columns a tracking answer shows, its two units'
    names (`receiving_name`, `returning_name`) and its rating (`rating`, `complaint`,
    `rated_at`; None if not rated), as plain values; None if there is no such dossier."""
    found: Row[Any] | None = (
        await (await session.connection()).execute(_tracked_statement(), {"code": code})
    ).first()
    return found


@functools.cache
def _log_statement() -> Select[Any]:
    event = table_of(DossierEventRow)
    return (
        select(event.c.seq, event.c.type, event.c.at, event.c.actor, event.c.actor_unit,
               event.c.from_status, event.c.to_status, event.c.reason, event.c.data)
        .where(event.c.dossier_code == bindparam("code"), event.c.seq <= bindparam("through"))
        .order_by(event.c.seq)
    )  # fmt: skip


async def log_through(session: AsyncSession, code: str, through: int) -> list[Row[Any]]:
    """The dossier's events in order through its row's last event (see `list_events` for
    why): seq, type, at, actor, actor_unit, from_status, to_status, reason and data."""
    connection = await session.connection()
    found = await connection.execute(_log_statement(), {"code": code, "through": through})
    return list(found.all())


class DetailParts(NamedTuple):
    """What a dossier's detail shows beside its row."""

    units: dict[str, Row[Any]]  # code, e_id, name_vi
    timeline: list[Row[Any]]  # as `log_through` gives them
    forms: list[Row[Any]]  # form, seq, filename, created_at; never the PDF


@functools.cache
def _detail_statements() -> tuple[Select[Any], Select[Any]]:
    unit, form = table_of(OrgUnitRow), table_of(DossierFormRow)
    units = select(unit.c.code, unit.c.e_id, unit.c.name_vi).where(
        or_(*(unit.c.code == bindparam(name) for name in ("u1", "u2", "u3")))
    )
    forms = (
        select(form.c.form, form.c.seq, form.c.filename, form.c.created_at)
        .where(form.c.dossier_code == bindparam("code"))
        .order_by(form.c.seq)
    )
    return units, forms


async def detail_parts(
    session: AsyncSession, code: str, units: tuple[str, str, str], through: int
) -> DetailParts:
    """The three units' references, the log through the row's last event and the forms
    issued."""
    by_unit, issued = _detail_statements()
    connection = await session.connection()
    named = await connection.execute(by_unit, dict(zip(("u1", "u2", "u3"), units, strict=True)))
    timeline = await log_through(session, code, through)
    forms = await connection.execute(issued, {"code": code})
    return DetailParts({u.code: u for u in named}, timeline, list(forms.all()))
