"""The national portal over HTTP: take in now the dossiers citizens filed on it (the API
also does so every `MOTCUA_PORTAL_PULL_SECONDS` while a portal is configured)."""

import asyncio
import logging

from pydantic import BaseModel

from api.auth import CurrentUser
from api.deps import Resources, ResourcesDep
from api.routing import api_router
from motcua.worker import portal_client
from services import portal_intake
from services.access import province_wide
from services.errors import Conflict, Forbidden

router = api_router(prefix="/portal", tags=["portal"])
log = logging.getLogger("motcua.portal")


class PullAnswer(BaseModel):
    imported: list[tuple[str, str]]
    refused: list[tuple[str, str]]


async def _pull(resources: Resources) -> portal_intake.PullReport:
    client = portal_client(resources.settings)
    try:
        return await portal_intake.pull(
            resources.sessionmaker, resources.temporal, resources.settings, client
        )
    finally:
        await client.close()


@router.post(
    "/pull",
    response_model=PullAnswer,
    summary="Take in the dossiers filed on the national portal (portal code → local code)",
)
async def pull_now(resources: ResourcesDep, user: CurrentUser) -> PullAnswer:
    if not province_wide(user):
        raise Forbidden(
            "Chỉ giám sát viên, quản trị cấp tỉnh lấy hồ sơ từ Cổng.",
            "Only province-wide supervisors and administrators pull from the portal.",
        )
    if not resources.settings.portal_url:
        raise Conflict("Chưa cấu hình Cổng Dịch vụ công quốc gia.", "No portal is configured.")
    report = await _pull(resources)
    return PullAnswer(imported=report.imported, refused=report.refused)


async def pull_forever(resources: Resources) -> None:
    """The API's own schedule: a pull every `portal_pull_seconds`, errors logged."""
    while True:
        try:
            report = await _pull(resources)
            if report.imported or report.refused:
                taken, refused = len(report.imported), len(report.refused)
                log.info("portal pull: %d taken in, %d refused", taken, refused)
        except Exception:
            log.exception("portal pull failed; trying again later")
        await asyncio.sleep(resources.settings.portal_pull_seconds)
