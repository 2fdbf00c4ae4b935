"""The portal sync outbox's reads and writes: records queued with their event, taken in
order per dossier (a record waits until every earlier one of its dossier is acknowledged),
acknowledged, or put back to wait after a failure."""

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, exists, func, or_, update
from sqlalchemy import select as select_columns
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import DossierRow, PortalAckRow, PortalSyncRow
from db.upsert import insert_for, table_of


def portal_time(moment: datetime | None, tz: tzinfo) -> str:
    """The portal's dates: yyyyMMddHHmmss in the province's time."""
    return "" if moment is None else f"{moment.astimezone(tz):%Y%m%d%H%M%S}"


# Longer than a batch takes; a sender that dies leaves its records to another after this.
LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class SyncRecord:
    id: int
    dossier_code: str
    seq: int
    service: str
    payload: dict[str, Any]
    attempts: int
    status_code: int


async def queue(session: AsyncSession, rows: list[dict[str, Any]], now: datetime) -> None:
    """In the event's transaction; a retried event queues nothing twice."""
    if not rows:
        return
    table = table_of(PortalSyncRow)
    values = [{**row, "created_at": now, "attempts": 0, "next_attempt_at": now} for row in rows]
    await (await session.connection()).execute(
        insert_for(session, PortalSyncRow).on_conflict_do_nothing(
            index_elements=[table.c.dossier_code, table.c.seq, table.c.service]
        ),
        values,
    )


async def take(session: AsyncSession, now: datetime, limit: int) -> list[SyncRecord]:
    """Due records whose dossier has nothing earlier still unacknowledged: at most one per
    dossier, so a dossier's statuses reach the portal in their order."""
    earlier = aliased(PortalSyncRow)
    due = (
        select(PortalSyncRow.id)
        .where(
            col(PortalSyncRow.acked_at).is_(None),
            col(PortalSyncRow.next_attempt_at) <= now,
            ~exists().where(
                and_(
                    col(earlier.dossier_code) == col(PortalSyncRow.dossier_code),
                    col(earlier.seq) < col(PortalSyncRow.seq),
                    col(earlier.acked_at).is_(None),
                )
            ),
        )
        .order_by(col(PortalSyncRow.next_attempt_at), col(PortalSyncRow.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=PortalSyncRow)
    )
    table = table_of(PortalSyncRow)
    taken = await session.exec(
        update(PortalSyncRow)
        .where(col(PortalSyncRow.id).in_(due.scalar_subquery()))
        .values(next_attempt_at=now + LEASE, attempts=col(PortalSyncRow.attempts) + 1)
        .returning(
            table.c.id,
            table.c.dossier_code,
            table.c.seq,
            table.c.service,
            table.c.payload,
            table.c.attempts,
            table.c.status_code,
        )
    )
    return sorted((SyncRecord(*row) for row in taken), key=lambda r: (r.dossier_code, r.seq))


async def acknowledge(
    session: AsyncSession, record: SyncRecord, portal_id: str, at: datetime
) -> None:
    """The portal took the record: marked on the outbox, and its word kept as evidence."""
    await session.exec(
        update(PortalSyncRow)
        .where(col(PortalSyncRow.id) == record.id)
        .values(acked_at=at, portal_id=portal_id[:100], next_attempt_at=None, last_error=None)
    )
    session.add(
        PortalAckRow(
            sync_id=record.id,
            dossier_code=record.dossier_code,
            seq=record.seq,
            service=record.service,
            status_code=record.status_code,
            portal_id=portal_id[:100],
            acknowledged_at=at,
        )
    )


async def failed(session: AsyncSession, record_id: int, error: str, again: datetime) -> None:
    await session.exec(
        update(PortalSyncRow)
        .where(col(PortalSyncRow.id) == record_id)
        .values(next_attempt_at=again, last_error=error[:500])
    )


async def of_dossier(session: AsyncSession, code: str) -> list[PortalSyncRow]:
    rows = await session.exec(
        select(PortalSyncRow)
        .where(PortalSyncRow.dossier_code == code)
        .order_by(col(PortalSyncRow.seq))
    )
    return list(rows)


@dataclass(frozen=True)
class SyncState:
    """One dossier as it stands here and as the portal last acknowledged it."""

    code: str
    status: int
    holder: str
    acknowledged: int | None
    waiting: int
    waiting_since: datetime | None
    last_error: str | None


async def reconciliation_rows(session: AsyncSession, units: list[str] | None) -> list[SyncState]:
    """Every dossier (of `units`, or all): its status, the last the portal acknowledged,
    and what is still waiting to be told."""
    acked = (
        select(PortalSyncRow.status_code)
        .where(
            PortalSyncRow.dossier_code == DossierRow.code,
            col(PortalSyncRow.acked_at).is_not(None),
        )
        .order_by(col(PortalSyncRow.seq).desc())
        .limit(1)
        .scalar_subquery()
    )
    waiting = (
        select(func.count())
        .where(PortalSyncRow.dossier_code == DossierRow.code, col(PortalSyncRow.acked_at).is_(None))
        .scalar_subquery()
    )
    since = (
        select(func.min(PortalSyncRow.created_at))
        .where(PortalSyncRow.dossier_code == DossierRow.code, col(PortalSyncRow.acked_at).is_(None))
        .scalar_subquery()
    )
    error = (
        select(PortalSyncRow.last_error)
        .where(PortalSyncRow.dossier_code == DossierRow.code, col(PortalSyncRow.acked_at).is_(None))
        .order_by(col(PortalSyncRow.seq))
        .limit(1)
        .scalar_subquery()
    )
    statement = select_columns(
        col(DossierRow.code), col(DossierRow.status), col(DossierRow.holder_unit), acked, waiting,
        since, error,
    ).where(~col(DossierRow.demo))  # fmt: skip
    if units is not None:
        statement = statement.where(
            or_(
                col(DossierRow.receiving_unit).in_(units),
                col(DossierRow.competent_authority).in_(units),
            )
        )
    rows = (
        await (await session.connection()).execute(statement.order_by(col(DossierRow.code)))
    ).all()
    return [
        SyncState(c, int(s), h, None if a is None else int(a), int(w), t, e)
        for c, s, h, a, w, t, e in rows
    ]


RATING_SHEET = "DongBoDanhGia"
QUESTIONS_SHEET = "DongBoHoiDap"


def rating_record(
    code: str, seq: int, status: int, scores: dict[str, Any], at: datetime, tz: tzinfo
) -> dict[str, Any]:
    """A dossier's rating for the portal: after the dossier's own events (its `seq`)."""
    sheet = {
        "MaHoSo": code,
        "DiemCongKhai": scores.get("publicity"),
        "DiemThaiDo": scores.get("attitude"),
        "DiemThoiGian": scores.get("timeliness"),
        "DiemKetQua": scores.get("outcome"),
        "DiemTongHop": scores.get("rating"),
        "GopY": scores.get("comment") or "",
        "NgayDanhGia": portal_time(at, tz),
    }
    return {"dossier_code": code, "seq": seq, "service": RATING_SHEET, "status_code": status,
            "payload": {"data": [sheet]}}  # fmt: skip


def question_record(complaint: Any, tz: tzinfo) -> dict[str, Any]:
    """A complaint for the portal: filed (record 1), then answered (record 2), in order."""
    answered = complaint.answered_at is not None
    sheet = {
        "MaCauHoi": complaint.code,
        "MaHoSo": complaint.dossier_code or "",
        "TieuDe": complaint.subject,
        "NoiDungHoi": complaint.content,
        "NgayHoi": portal_time(complaint.received_at, tz),
        "DonViTraLoi": complaint.owner_unit,
        "HanTraLoi": portal_time(complaint.due_at, tz),
        "NoiDungTraLoi": complaint.answer if answered and complaint.published else "",
        "NgayTraLoi": portal_time(complaint.answered_at, tz),
        "CongKhai": bool(complaint.published),
    }
    return {"dossier_code": complaint.code, "seq": 2 if answered else 1,
            "service": QUESTIONS_SHEET, "status_code": 0, "payload": {"data": [sheet]}}  # fmt: skip
