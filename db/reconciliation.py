"""Every dossier's status here beside what the national portal acknowledged, each mismatch
with its cause; and the daily report kept of it (made by the workers, read by supervisors)."""

import csv
import io
from datetime import datetime, tzinfo

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from db import portal
from db.models import PortalReconciliationRow
from schemas.status import DossierStatus


class Mismatch(BaseModel):
    dossier_code: str
    local_status: int
    local_status_vi: str
    portal_status: int | None
    waiting: int
    cause_vi: str
    cause_en: str


class Reconciliation(BaseModel):
    dossiers: int
    in_step: int
    mismatches: list[Mismatch]


def _cause(state: portal.SyncState) -> tuple[str, str]:
    if state.waiting and state.last_error:
        since = f"{state.waiting_since:%d/%m/%Y %H:%M}" if state.waiting_since else "—"
        return (
            f"{state.waiting} bản ghi chưa được Cổng nhận từ {since} (lỗi gần nhất: "
            f"{state.last_error[:160]})",
            f"{state.waiting} records refused since {since} (last error: {state.last_error[:160]})",
        )
    if state.waiting:
        return (
            f"{state.waiting} bản ghi đang chờ gửi theo thứ tự",
            f"{state.waiting} records waiting their turn",
        )
    if state.acknowledged is None:
        return ("Chưa có bản ghi nào gửi Cổng", "Nothing was ever queued for the portal")
    return (
        "Cổng đã nhận một trạng thái khác trạng thái hiện tại",
        "The portal acknowledged a status other than the current one",
    )


def compared(states: list[portal.SyncState]) -> Reconciliation:
    mismatches = []
    for state in states:
        if state.acknowledged == state.status and not state.waiting:
            continue
        vi, en = _cause(state)
        mismatches.append(
            Mismatch(
                dossier_code=state.code,
                local_status=state.status,
                local_status_vi=DossierStatus(state.status).name_vi,
                portal_status=state.acknowledged,
                waiting=state.waiting,
                cause_vi=vi,
                cause_en=en,
            )
        )
    return Reconciliation(
        dossiers=len(states), in_step=len(states) - len(mismatches), mismatches=mismatches
    )


def as_csv(report: Reconciliation) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["MaHoSo", "TrangThaiTaiTinh", "TrangThaiTrenCong", "BanGhiCho", "NguyenNhan"])
    for m in report.mismatches:
        writer.writerow(
            [m.dossier_code, m.local_status, m.portal_status or "", m.waiting, m.cause_vi]
        )
    return out.getvalue()


# Made at the first chance after 06:00, province time: the night's backlog has drained, the
# counters are not yet open, and the day's report says how the province stood that morning.
DAILY_HOUR = 6


async def make_daily(
    session: AsyncSession, tz: tzinfo, now: datetime
) -> PortalReconciliationRow | None:
    """The day's province-wide reconciliation, kept once: None before 06:00 or when the
    day's report is already made. Two workers making it at once: the second's flush fails
    on the day's key (IntegrityError), and its transaction is let go."""
    local = now.astimezone(tz)
    if local.hour < DAILY_HOUR:
        return None
    if await session.get(PortalReconciliationRow, local.date()) is not None:
        return None
    report = compared(await portal.reconciliation_rows(session, None))
    row = PortalReconciliationRow(
        day=local.date(),
        made_at=now,
        dossiers=report.dossiers,
        in_step=report.in_step,
        mismatches=len(report.mismatches),
        csv=as_csv(report),
    )
    session.add(row)
    await session.flush()
    return row
