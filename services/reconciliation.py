"""Local and portal status side by side, per dossier, with every mismatch and its cause:
the province's evidence when a score computed from the portal's data is disputed."""

import csv
import io

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from db import portal
from schemas.status import DossierStatus
from schemas.users import StaffUser
from services.supervision import scope_of


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


async def reconcile(session: AsyncSession, user: StaffUser) -> Reconciliation:
    scope = scope_of(user)
    states = await portal.reconciliation_rows(session, None if scope is None else [scope])
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
