"""Dossiers citizens filed on the national portal, taken in as motcua dossiers: at the
receiving unit the portal names (by its agency e-ID), for the catalogue procedure the
national code maps to (catalogue/data/portal.toml), online, with the portal's code kept
beside motcua's; then confirmed to the portal, which stops listing them.

A pull retried (a crash after the dossier exists, before the confirmation) finds the
dossier it made: the portal's code is the submission's idempotency key.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

import catalogue
from db.models import OrgUnitRow, PortalDossierRow
from db.session import SessionMaker
from motcua.settings import Settings
from schemas.dossier import DossierSubmission
from schemas.status import Channel
from services import dossiers
from services.errors import ServiceError
from services.transaction import commit_now

log = logging.getLogger("motcua.portal")


class PortalInbox(Protocol):
    """The portal's side of the pull (activities.portal.PortalClient)."""

    async def filed(self) -> list[dict[str, Any]]: ...

    async def confirm(self, national: str, local: str) -> None: ...


@dataclass
class PullReport:
    imported: list[tuple[str, str]] = field(default_factory=list)  # (portal code, local code)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (portal code, why)


def submission(sheet: dict[str, Any], receiving: str, procedure: str) -> DossierSubmission:
    return DossierSubmission.model_validate(
        {
            "procedure_code": procedure,
            "receiving_unit": receiving,
            "channel": Channel.ONLINE,
            "applicant": {
                "full_name": sheet["ChuHoSo"],
                "id_number": sheet["SoDinhDanh"],
                "phone": sheet["SoDienThoai"],
                "email": sheet.get("Email") or None,
                "address": sheet.get("DiaChi") or None,
            },
            "note": f"Nộp trên Cổng Dịch vụ công quốc gia, mã {sheet['MaHoSoQG']}",
        }
    )


async def pull(
    sessionmaker: SessionMaker, temporal: Client, settings: Settings, client: PortalInbox
) -> PullReport:
    report = PullReport()
    mapping = catalogue.load_portal_procedures()
    for sheet in await client.filed():
        national = str(sheet.get("MaHoSoQG", ""))
        try:
            async with sessionmaker() as session:
                local = await _take_in(session, temporal, settings, sheet, mapping)
            await client.confirm(national, local)
            report.imported.append((national, local))
        except (ServiceError, ValueError, KeyError) as refused:
            why = getattr(refused, "message_vi", None) or repr(refused)
            log.warning("portal dossier %s not taken in: %s", national, why)
            report.refused.append((national, why))
    return report


async def _take_in(
    session: AsyncSession,
    temporal: Client,
    settings: Settings,
    sheet: dict[str, Any],
    mapping: dict[str, str],
) -> str:
    national = str(sheet["MaHoSoQG"])
    known = await session.get(PortalDossierRow, national)
    if known is not None:
        return known.dossier_code
    procedure = mapping.get(str(sheet["MaTTHC"]))
    if procedure is None:
        raise ValueError(f"thủ tục {sheet['MaTTHC']} chưa được ánh xạ vào danh mục")
    unit = (
        await session.exec(select(OrgUnitRow).where(OrgUnitRow.e_id == sheet["MaDonViTiepNhan"]))
    ).first()
    if unit is None:
        raise ValueError(f"không có đơn vị mã định danh {sheet['MaDonViTiepNhan']}")
    body = submission(sheet, unit.code, procedure)
    receipt = await dossiers.submit(
        session, temporal, settings, body, None, f"portal-{national}", None
    )
    session.add(
        PortalDossierRow(
            portal_code=national, dossier_code=receipt.code, imported_at=datetime.now(UTC)
        )
    )
    await commit_now(session)
    return receipt.code
