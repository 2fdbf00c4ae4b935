"""A dossier as its staff work with it: found and checked, read whole, submitted, acted on.

`act` is the path of every clerk, officer and leader action: access, the closed-dossier
answer, the named units, then the workflow's Update (named as the action) and the page
read back from the projection the Update wrote before it answered.
"""

import logging
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client, WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.service import RPCError

from db.dossiers import get_dossier
from db.models import DossierRow
from db.reference import get_unit
from motcua.settings import Settings
from schemas.actions import ActionCommand, ConsultationRequest
from schemas.dossier import ActionAnswer, DossierSubmission
from schemas.lifecycle import (
    Action,
    LifecycleState,
    Role,
    allowed_actions,
    fee_awaited,
    refusal,
)
from schemas.status import Channel, DossierStatus, SubState
from schemas.tracking import tracking_secret
from schemas.users import StaffUser
from schemas.views import DossierDetail, ProcedureRef, StatusInfo, SubmissionReceipt
from services import checklist
from services.access import check_act, check_see, check_unit
from services.errors import (
    FieldError,
    RecordedUnreadable,
    Unauthorized,
    closed_conflict,
    database_unreachable,
    dossier_not_found,
    update_refused,
    workflow_unanswered,
)
from services.intake import dossier_start, reserve_code, resolve, start_dossier
from services.presenters import dossier_detail, unit_ref
from workflows.dossier import DossierWorkflow

log = logging.getLogger(__name__)


async def load(session: AsyncSession, code: str, user: StaffUser) -> DossierRow:
    """The dossier, if this person may see it; otherwise not found (its existence is not
    theirs to learn)."""
    row = await get_dossier(session, code)
    if row is None:
        raise dossier_not_found(code)
    check_see(user, row)
    return row


async def read(session: AsyncSession, temporal: Client, row: DossierRow) -> DossierDetail:
    return await dossier_detail(session, row, await live_actions(temporal, row))


async def submit(
    session: AsyncSession,
    temporal: Client,
    settings: Settings,
    body: DossierSubmission,
    user: StaffUser | None,
    idempotency_key: str | None,
    demo_time: datetime | None,
) -> SubmissionReceipt:
    resolved = await resolve(session, body)
    if body.channel is not Channel.ONLINE:
        # In person and by post, the dossier is received by a clerk of that counter.
        if user is None:
            raise Unauthorized(
                "Hồ sơ trực tiếp và qua bưu chính do cán bộ một cửa tiếp nhận: cần đăng nhập.",
                "In-person and postal dossiers are received by a signed-in clerk.",
            )
        check_unit(user, resolved.receiving.code, Role.CLERK)
    body = body.model_copy(update={"received_by": user.username if user else "citizen"})
    code, submitted_at = await reserve_code(
        session,
        settings,
        resolved,
        body,
        idempotency_key,
        demo_time,
        caller=user.username if user else None,
    )
    start = dossier_start(code, submitted_at, resolved, body)
    if demo_time is not None:
        start = start.model_copy(update={"demo_at": submitted_at})
    answer = await start_dossier(temporal, settings.task_queue, start)
    return SubmissionReceipt(
        code=code,
        tracking_secret=tracking_secret(settings.secret_key, code),
        status=StatusInfo.of(answer.status),
        procedure=ProcedureRef(
            code=resolved.procedure.code,
            version=resolved.procedure.version,
            name_vi=resolved.procedure.name_vi,
            name_en=resolved.procedure.name_en,
        ),
        receiving_unit=unit_ref(resolved.receiving),
        competent_authority=unit_ref(resolved.competent),
        returning_unit=unit_ref(resolved.returning),
        submitted_at=submitted_at,
    )


async def act(
    session: AsyncSession,
    temporal: Client,
    user: StaffUser,
    row: DossierRow,
    action: Action,
    command: ActionCommand,
    idempotency_key: str | None = None,
) -> DossierDetail:
    """One action by a signed-in person, as the workflow's Update of the same name."""
    # Read now: after a failed read-back the row's attributes can no longer be loaded.
    code = row.code
    check_act(user, action, row, command)
    command = command.model_copy(update={"actor": user.username, "actor_unit": user.unit})
    closed = closed_conflict(action, row.status, row.sub_state)
    if closed is not None:
        raise closed
    if refusal(action, projected_state(row)) is None:
        # Judged only where the state allows the action: otherwise the workflow's refusal,
        # naming the state, is the answer.
        command = await checklist.prepare(session, row, command)
    if isinstance(command, ConsultationRequest):
        for index, ask in enumerate(command.agencies):
            if await get_unit(session, ask.unit) is None:
                raise FieldError(
                    ("body", "agencies", str(index), "unit"),
                    "unknown_unit",
                    f"Không có cơ quan mã «{ask.unit}».",
                    f"No unit with code '{ask.unit}'.",
                )
    handle = temporal.get_workflow_handle_for(DossierWorkflow.run, code)
    try:
        # The key becomes the Update id: Temporal runs an update with a given id only once.
        # Scoped by the caller too: another person's key of the same text is another key.
        update = await handle.start_update(
            action.value,
            command,
            result_type=ActionAnswer,
            id=f"{action.value}:{user.username}:{idempotency_key}" if idempotency_key else None,
            wait_for_stage=WorkflowUpdateStage.COMPLETED,
        )
        answer: ActionAnswer = await update.result()
    except WorkflowUpdateFailedError as exc:
        raise update_refused(exc) from exc
    except RPCError as exc:
        raise workflow_unanswered(exc) from exc
    try:
        await session.refresh(row)
        return await dossier_detail(session, row, answer.allowed_actions)
    except (DBAPIError, ConnectionError, asyncpg.PostgresError) as exc:
        if not database_unreachable(exc):
            raise
        # Logged by the workflow before the update answered: only reading it back failed.
        # The request wrote nothing; its broken transaction is let go here, so that a page
        # that shows this answer ends the request cleanly.
        await session.rollback()
        raise RecordedUnreadable(action, code) from exc


async def live_actions(temporal: Client, row: DossierRow) -> list[Action]:
    if DossierStatus(row.status).is_terminal:
        return []
    handle = temporal.get_workflow_handle_for(DossierWorkflow.run, row.code)
    try:
        return (await handle.query(DossierWorkflow.view)).allowed_actions
    except RPCError as exc:
        # The projection is written before an action returns, so it is a safe fallback when
        # the workflow service cannot answer a read.
        log.warning("query for %s failed, using the projection: %s", row.code, exc)
        return allowed_actions(projected_state(row))


def projected_state(row: DossierRow) -> LifecycleState:
    return LifecycleState(
        status=DossierStatus(row.status),
        sub_state=SubState(row.sub_state),
        decision_issued=row.snapshot.get("decision") is not None,
        extension_drafted=row.snapshot.get("extension_draft") is not None,
        # Conservative while the workflow cannot answer: the button returns when it can.
        verification_pauses_clock=False,
        supplement_requests=int(row.snapshot.get("supplement_requests", 0)),
        fee_paid=row.snapshot.get("paid_at") is not None,
        fee_due=fee_due(row),
    )


def fee_due(row: Any) -> bool:
    """A fee awaits payment (the one charged at submission, or one asked after appraisal),
    from a dossier's row or the columns a page read of it (`status`, `snapshot`)."""
    return fee_awaited(
        DossierStatus(row.status),
        row.snapshot.get("payment_amount_vnd"),
        row.snapshot.get("paid_at") is not None,
    )
