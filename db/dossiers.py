"""The dossier projection and its event log, written only by the workflow's activities.

Writes are keyed by (dossier, sequence number): a retried activity inserts nothing twice,
and a late retry never moves the projection back to an older state.
"""

import functools
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import (
    DossierEventRow,
    DossierFeedbackRow,
    DossierFormRow,
    DossierHandoverRow,
    DossierRow,
    IdempotencyKeyRow,
)
from db.search import search_text
from db.statistics import (
    FACT_COLUMNS,
    add_to_daily,
    contribution,
    difference,
    dossier_facts,
)
from db.upsert import dialect_of, insert_for, insert_into, table_of
from schemas.records import RecordEvent
from worktime.indicators import Judgement


def _facts(values: Mapping[Any, Any]) -> dict[str, Any]:
    return {name: values.get(name) for name in FACT_COLUMNS}


async def append_event(
    session: AsyncSession, record: RecordEvent, judgement: Judgement | None, tz: tzinfo
) -> None:
    """Log the event, move the projection, and move the day counts (days in `tz`, the
    province's time zone) by what the change adds or takes away."""
    dossier, snapshot, event = record.dossier, record.snapshot, record.event
    lifecycle: dict[str, Any] = {
        "status": int(snapshot.status),
        "sub_state": snapshot.sub_state.value,
        "accepted_at": snapshot.accepted_at,
        "original_due_at": snapshot.original_due_at,
        "due_at": snapshot.due_at,
        "legal_due_at": snapshot.legal_due_at,
        "finished_at": snapshot.finished_at,
        "holder_unit": snapshot.holder_unit,
        "assignee": snapshot.assignee,
        "last_rung": snapshot.fired_rungs[-1] if snapshot.fired_rungs else None,
        "result_method": snapshot.result_method,
        "result_document_id": None if snapshot.result is None else snapshot.result.document_id,
        "payment_method": snapshot.payment_method,
        "payment_amount_vnd": snapshot.payment_amount_vnd,
        "withdrawn": snapshot.withdrawn,
        "supplement_requests": snapshot.supplement_requests,
        "late_by_rule": snapshot.late_by_rule,
        "closed_at": snapshot.closed_at,
        "digitised": snapshot.digitised,
        "demo": snapshot.demo,
        "last_seq": snapshot.last_seq,
        "updated_at": event.at,
        "snapshot": snapshot.model_dump(mode="json"),
    }
    if judgement is not None:
        # Only the event that ends processing carries a verdict; later ones keep it.
        lifecycle["outcome"] = None if judgement.outcome is None else judgement.outcome.value
        lifecycle["processing_days"] = judgement.processing_days
    values = {
        "code": dossier.code,
        "procedure_code": dossier.procedure_code,
        "procedure_version": dossier.procedure_version,
        "receiving_unit": dossier.receiving_unit,
        "competent_authority": dossier.competent_authority,
        "returning_unit": dossier.returning_unit,
        "channel": int(dossier.channel),
        "applicant_name": dossier.applicant.full_name,
        "applicant_id_number": dossier.applicant.id_number,
        "applicant_phone": dossier.applicant.phone,
        "applicant_tax_code": dossier.applicant.tax_code,
        "applicant_search": search_text(dossier.applicant),
        "applicant": dossier.applicant.model_dump(mode="json"),
        "submitted_at": dossier.submitted_at,
        **lifecycle,
    }
    # Locked, so that the day counts move from exactly the state this update replaces.
    # The workflow logs in order, so only the first event finds no row (or a retry of it).
    connection = await session.connection()
    writes = _writes(dialect_of(session))
    old = None if event.seq == 1 else await dossier_facts(session, dossier.code, lock=True)
    if old is None:
        inserted = await connection.execute(writes.insert_dossier, values)
        if inserted.first() is not None:
            await add_to_daily(session, contribution(_facts(values), tz))
        else:
            old = await dossier_facts(session, dossier.code, lock=True)
            assert old is not None
    if old is not None and old["last_seq"] < snapshot.last_seq:
        await connection.execute(writes.update_dossier, {**lifecycle, "b_code": dossier.code})
        new = _facts({**old, **lifecycle})
        # A complaint filed while the dossier was open counts once processing has ended.
        complained = bool(old["complaint"])
        await add_to_daily(
            session,
            difference(
                contribution(new, tz, complained), contribution(_facts(old), tz, complained)
            ),
        )
    await connection.execute(
        writes.insert_event,
        {
            "dossier_code": event.dossier_code,
            "seq": event.seq,
            "type": event.type.value,
            "at": event.at,
            "actor": event.actor,
            "actor_unit": event.actor_unit,
            "from_status": None if event.from_status is None else int(event.from_status),
            "to_status": int(event.to_status),
            "sub_state": event.sub_state.value,
            "reason": event.reason,
            "data": event.data,
        },
    )
    if event.handover is not None:
        await connection.execute(
            writes.insert_handover,
            {
                "dossier_code": event.dossier_code,
                "seq": event.seq,
                "from_unit": event.handover.from_unit,
                "to_unit": event.handover.to_unit,
                "at": event.at,
                "actor": event.actor,
                "event_type": event.type.value,
            },
        )


class _Writes(NamedTuple):
    insert_dossier: Any
    update_dossier: Any
    insert_event: Any
    insert_handover: Any


@functools.cache
def _writes(dialect: str) -> _Writes:
    """The projection's statements, built once, their values passed as parameters.

    Core statements on the session's connection: the ORM's bulk-update machinery was a
    tenth of the worker's CPU in a deadline burst. Built once: building a statement and
    its cache key on every event cost the worker more than running it.
    """
    dossiers = table_of(DossierRow)
    events = table_of(DossierEventRow)
    handovers = table_of(DossierHandoverRow)
    return _Writes(
        insert_into(dialect, DossierRow)
        .on_conflict_do_nothing(index_elements=[dossiers.c.code])
        .returning(dossiers.c.code),
        update(dossiers).where(dossiers.c.code == bindparam("b_code")),
        insert_into(dialect, DossierEventRow).on_conflict_do_nothing(
            index_elements=[events.c.dossier_code, events.c.seq]
        ),
        insert_into(dialect, DossierHandoverRow).on_conflict_do_nothing(
            index_elements=[handovers.c.dossier_code, handovers.c.seq]
        ),
    )


async def store_form(session: AsyncSession, row: DossierFormRow) -> None:
    """Insert an issued form once; a retried issue finds it already there."""
    form_table = table_of(DossierFormRow)
    await session.exec(
        insert_for(session, DossierFormRow)
        .values(
            dossier_code=row.dossier_code,
            seq=row.seq,
            form=row.form,
            filename=row.filename,
            html=row.html,
            content=row.content,
            created_at=row.created_at,
        )
        .on_conflict_do_nothing(
            index_elements=[form_table.c.dossier_code, form_table.c.seq, form_table.c.form]
        )
    )


async def keep_typeset(session: AsyncSession, form_id: int, pdf: bytes) -> None:
    """Keeps the first typesetting of a form; a concurrent second one changes nothing."""
    await session.exec(
        update(DossierFormRow)
        .where(col(DossierFormRow.id) == form_id, col(DossierFormRow.content).is_(None))
        .values(content=pdf)
    )


async def latest_form(session: AsyncSession, code: str, form: str) -> DossierFormRow | None:
    rows = await session.exec(
        select(DossierFormRow)
        .where(DossierFormRow.dossier_code == code, DossierFormRow.form == form)
        .order_by(col(DossierFormRow.seq).desc())
        .limit(1)
    )
    return rows.first()


async def list_handovers(session: AsyncSession, code: str) -> list[DossierHandoverRow]:
    rows = await session.exec(
        select(DossierHandoverRow)
        .where(DossierHandoverRow.dossier_code == code)
        .order_by(col(DossierHandoverRow.seq))
    )
    return list(rows)


async def get_dossier(session: AsyncSession, code: str) -> DossierRow | None:
    return await session.get(DossierRow, code)


async def list_events(
    session: AsyncSession, code: str, through: int | None = None
) -> list[DossierEventRow]:
    """The dossier's log in order; `through` stops at the dossier row's own last event.

    Each statement reads what was committed when it ran, so a page that read the dossier
    row first would otherwise show a timeline one event ahead of the row's state.
    """
    query = select(DossierEventRow).where(DossierEventRow.dossier_code == code)
    if through is not None:
        query = query.where(DossierEventRow.seq <= through)
    rows = await session.exec(query.order_by(col(DossierEventRow.seq)))
    return list(rows)


async def find_idempotency_key(session: AsyncSession, key: str) -> IdempotencyKeyRow | None:
    return await session.get(IdempotencyKeyRow, key)


async def claim_idempotency_key(
    session: AsyncSession, key: str, request_hash: str, dossier_code: str, created_at: datetime
) -> IdempotencyKeyRow:
    """Record the key, or return the row of whichever concurrent request recorded it first."""
    table = table_of(IdempotencyKeyRow)
    await session.exec(
        insert_for(session, IdempotencyKeyRow)
        .values(
            key=key,
            request_hash=request_hash,
            dossier_code=dossier_code,
            created_at=created_at,
        )
        .on_conflict_do_nothing(index_elements=[table.c.key])
    )
    row = (
        await session.exec(
            select(IdempotencyKeyRow)
            .where(IdempotencyKeyRow.key == key)
            .execution_options(populate_existing=True)
        )
    ).one()
    return row


async def record_feedback(
    session: AsyncSession, rating: DossierFeedbackRow, tz: tzinfo
) -> DossierFeedbackRow:
    """One rating per dossier: a retried request finds the first and changes nothing."""
    table = table_of(DossierFeedbackRow)
    code, complaint = rating.dossier_code, rating.complaint
    inserted = await session.exec(
        insert_for(session, DossierFeedbackRow)
        .values(**rating.model_dump())
        .on_conflict_do_nothing(index_elements=[table.c.dossier_code])
        .returning(table.c.dossier_code)
    )
    if inserted.first() is not None and complaint is not None:
        facts = await dossier_facts(session, code)
        assert facts is not None
        await add_to_daily(
            session, difference(contribution(facts, tz, complaint=True), contribution(facts, tz))
        )
    row = await get_feedback(session, code)
    assert row is not None
    return row


async def get_feedback(session: AsyncSession, code: str) -> DossierFeedbackRow | None:
    rows = await session.exec(
        select(DossierFeedbackRow)
        .where(DossierFeedbackRow.dossier_code == code)
        .execution_options(populate_existing=True)
    )
    return rows.first()


async def issued_forms(session: AsyncSession, code: str) -> list[tuple[str, datetime]]:
    """Each form the dossier was issued, with the time of its latest issue, in form order."""
    rows = await session.exec(
        select(DossierFormRow.form, func.max(DossierFormRow.created_at))
        .where(DossierFormRow.dossier_code == code)
        .group_by(col(DossierFormRow.form))
        .order_by(col(DossierFormRow.form))
    )
    return [(form, created) for form, created in rows]
