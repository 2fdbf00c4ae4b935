"""Dossier routes: submit, read with timeline and allowed actions, act."""

import logging
from typing import Annotated

from fastapi import APIRouter, Header, Path, status
from fastapi.responses import JSONResponse
from temporalio.client import WorkflowUpdateStage
from temporalio.service import RPCError

from api.deps import ResourcesDep, SessionDep
from api.errors import dossier_not_found
from api.intake import dossier_start, reserve_code, resolve, start_dossier
from api.tracking import tracking_secret
from db.dossiers import get_dossier, list_events
from db.models import DossierRow
from db.reference import get_units, procedure_version
from schemas.dossier import ActionCommand, ActionRequest, Applicant, DossierSubmission, EventType
from schemas.lifecycle import Action, allowed_actions, label
from schemas.status import Channel, DossierStatus, SubState
from schemas.views import (
    ChannelInfo,
    DossierDetail,
    ProcedureRef,
    StatusInfo,
    SubmissionReceipt,
    SubStateInfo,
    TimelineEntry,
    UnitRef,
)
from workflows.dossier import DossierWorkflow

log = logging.getLogger(__name__)
router = APIRouter(prefix="/dossiers", tags=["dossiers"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=200,
        description="Retrying with the same key returns the same dossier, never a second one.",
    ),
]
DossierCode = Annotated[str, Path(max_length=64, description="Dossier code")]

_UPDATES = {Action.ACCEPT: DossierWorkflow.accept}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SubmissionReceipt,
    summary="Submit a dossier (Nộp hồ sơ)",
)
async def submit_dossier(
    body: DossierSubmission,
    session: SessionDep,
    resources: ResourcesDep,
    idempotency_key: IdempotencyKey = None,
) -> SubmissionReceipt:
    resolved = await resolve(session, body)
    code, submitted_at = await reserve_code(
        session, resources.settings, resolved, body, idempotency_key
    )
    start = dossier_start(code, submitted_at, resolved, body)
    view = await start_dossier(resources.temporal, resources.settings.task_queue, start)
    return SubmissionReceipt(
        code=code,
        tracking_secret=tracking_secret(resources.settings.secret_key, code),
        status=StatusInfo.of(view.status),
        procedure=ProcedureRef(
            code=resolved.procedure.code,
            version=resolved.procedure.version,
            name_vi=resolved.procedure.name_vi,
            name_en=resolved.procedure.name_en,
        ),
        receiving_unit=_unit_ref(resolved.receiving),
        competent_authority=_unit_ref(resolved.competent),
        returning_unit=_unit_ref(resolved.returning),
        submitted_at=submitted_at,
    )


@router.get("/{code}", response_model=DossierDetail, summary="A dossier, its timeline and actions")
async def read_dossier(
    code: DossierCode, session: SessionDep, resources: ResourcesDep
) -> DossierDetail:
    row = await get_dossier(session, code)
    if row is None:
        raise dossier_not_found(code)
    actions = await _live_actions(resources, row)
    return await _detail(session, row, actions)


@router.post(
    "/{code}/actions/{action}",
    response_model=DossierDetail,
    summary="Act on a dossier (each action is a workflow Update)",
    responses={409: {"description": "The dossier's current state forbids the action"}},
)
async def act_on_dossier(
    code: DossierCode,
    action: Action,
    body: ActionRequest,
    session: SessionDep,
    resources: ResourcesDep,
    idempotency_key: IdempotencyKey = None,
) -> DossierDetail | JSONResponse:
    row = await get_dossier(session, code)
    if row is None:
        raise dossier_not_found(code)
    command = ActionCommand(
        action=action,
        actor=body.actor,
        actor_unit=body.actor_unit or row.receiving_unit,
        reason=body.reason,
    )
    handle = resources.temporal.get_workflow_handle_for(DossierWorkflow.run, code)
    # The key becomes the Update id: Temporal runs an update with a given id only once.
    update = await handle.start_update(
        _UPDATES[action],
        command,
        id=f"{action.value}:{idempotency_key}" if idempotency_key else None,
        wait_for_stage=WorkflowUpdateStage.COMPLETED,
    )
    view = await update.result()
    await session.refresh(row)
    return await _detail(session, row, view.allowed_actions)


async def _live_actions(resources: ResourcesDep, row: DossierRow) -> list[Action]:
    handle = resources.temporal.get_workflow_handle_for(DossierWorkflow.run, row.code)
    try:
        return (await handle.query(DossierWorkflow.view)).allowed_actions
    except RPCError as exc:
        # The projection is written before an action returns, so it is a safe fallback when
        # the workflow service cannot answer a read.
        log.warning("query for %s failed, using the projection: %s", row.code, exc)
        return allowed_actions(DossierStatus(row.status), SubState(row.sub_state))


def _unit_ref(unit: object) -> UnitRef:
    return UnitRef.model_validate(unit, from_attributes=True)


async def _detail(session: SessionDep, row: DossierRow, actions: list[Action]) -> DossierDetail:
    units = await get_units(
        session, {row.receiving_unit, row.competent_authority, row.returning_unit}
    )
    procedure = await procedure_version(session, row.procedure_code, row.procedure_version)
    assert procedure is not None, "a dossier's procedure version is never deleted"
    events = await list_events(session, row.code)
    channel = Channel(row.channel)
    return DossierDetail(
        code=row.code,
        procedure=ProcedureRef(
            code=procedure.code,
            version=procedure.version,
            name_vi=procedure.name_vi,
            name_en=procedure.name_en,
        ),
        receiving_unit=_unit_ref(units[row.receiving_unit]),
        competent_authority=_unit_ref(units[row.competent_authority]),
        returning_unit=_unit_ref(units[row.returning_unit]),
        channel=ChannelInfo(code=channel, name_vi=channel.name_vi),
        status=StatusInfo.of(DossierStatus(row.status)),
        sub_state=SubStateInfo.of(SubState(row.sub_state)),
        applicant=Applicant.model_validate(row.applicant),
        submitted_at=row.submitted_at,
        accepted_at=row.accepted_at,
        due_at=row.due_at,
        timeline=[
            TimelineEntry(
                seq=event.seq,
                type=event.type,
                label_vi=EventType(event.type).label_vi,
                label_en=EventType(event.type).label_en,
                at=event.at,
                actor=event.actor,
                actor_unit=event.actor_unit,
                from_status=event.from_status,
                to_status=event.to_status,
                reason=event.reason,
            )
            for event in events
        ],
        allowed_actions=[label(action) for action in actions],
    )
