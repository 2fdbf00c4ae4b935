"""Bulk decisions over many dossiers: suspension or extension for a typhoon, flood or decree."""

from sqlalchemy import or_
from sqlmodel import col, select
from temporalio.client import Client

from api.auth import CurrentUser
from api.deps import ResourcesDep, SessionDep
from api.routing import api_router
from db.models import DossierRow
from schemas.bulk import BulkResult, BulkSuspensionRequest
from schemas.deadlines import Suspension
from services.access import check_admin
from services.broadcast import signal_each
from workflows.dossier import DossierWorkflow

router = api_router(prefix="/admin", tags=["administration"])


@router.post(
    "/suspensions",
    response_model=BulkResult,
    summary="Suspend or extend every matching open dossier, with the legal reference",
)
async def bulk_suspension(
    body: BulkSuspensionRequest, session: SessionDep, resources: ResourcesDep, user: CurrentUser
) -> BulkResult:
    check_admin(user)
    statement = select(DossierRow.code).where(
        col(DossierRow.closed_at).is_(None), col(DossierRow.accepted_at).is_not(None)
    )
    if body.units:
        statement = statement.where(
            or_(
                col(DossierRow.receiving_unit).in_(body.units),
                col(DossierRow.competent_authority).in_(body.units),
            )
        )
    if body.procedures:
        statement = statement.where(col(DossierRow.procedure_code).in_(body.procedures))
    if body.received_from is not None:
        statement = statement.where(col(DossierRow.submitted_at) >= body.received_from)
    if body.received_to is not None:
        statement = statement.where(col(DossierRow.submitted_at) < body.received_to)
    codes = list((await session.exec(statement.order_by(col(DossierRow.code)))).all())
    suspension = Suspension(
        legal_reference=body.legal_reference,
        reason=body.reason,
        paused_from=body.paused_from,
        paused_to=body.paused_to,
        extra_working_days=body.extra_working_days,
        decided_by=user.username,
    )

    async def send(temporal: Client, code: str) -> None:
        handle = temporal.get_workflow_handle_for(DossierWorkflow.run, code)
        await handle.signal(DossierWorkflow.suspend, suspension)

    reached = await signal_each(resources.temporal, codes, send)
    return BulkResult(matched=reached, codes=codes[:100])
