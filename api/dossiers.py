"""Dossier routes: submit, read with timeline and allowed actions, act, download forms."""

import logging
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Body, Header, Path, Response, status
from temporalio.client import WorkflowUpdateStage
from temporalio.service import RPCError

from api.access import check_act, check_see, check_unit
from api.auth import CurrentUser, OptionalUser
from api.calendar import working_calendar
from api.deps import ResourcesDep, SessionDep
from api.documents import form_pdf
from api.errors import (
    FieldError,
    NotFound,
    RecordedUnreadable,
    Unauthorized,
    closed_conflict,
    database_unreachable,
    dossier_not_found,
    validated_body,
)
from api.intake import dossier_start, reserve_code, resolve, start_dossier
from api.presenters import dossier_detail, unit_ref
from api.routing import api_router
from db.dossiers import get_dossier, latest_form, list_events, list_handovers
from db.models import DossierRow
from db.reference import get_unit, get_units
from schemas.actions import ACTION_BODIES, ActionCommand, ConsultationRequest
from schemas.dossier import DossierSnapshot, DossierSubmission, FormKind
from schemas.lifecycle import Action, LifecycleState, Role, allowed_actions, label
from schemas.status import Channel, DossierStatus, SubState
from schemas.tracking import tracking_secret
from schemas.users import StaffUser
from schemas.views import (
    AuditEvent,
    DossierDetail,
    HandoverEntry,
    ProcedureRef,
    StatusInfo,
    StepTimeView,
    SubmissionReceipt,
    TimeAccountView,
)
from workflows.dossier import DossierWorkflow
from worktime.accounting import Stretch, account

log = logging.getLogger(__name__)
router = api_router(prefix="/dossiers", tags=["dossiers"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=200,
        description="Retrying with the same key returns the same result, never a second one.",
    ),
]
DossierCode = Annotated[str, Path(max_length=64, description="Dossier code")]

_UPDATES: dict[Action, Any] = {
    Action.ACCEPT: DossierWorkflow.accept,
    Action.REQUEST_SUPPLEMENT: DossierWorkflow.request_supplement,
    Action.SUBMIT_SUPPLEMENT: DossierWorkflow.submit_supplement,
    Action.REFUSE: DossierWorkflow.refuse,
    Action.TRANSFER: DossierWorkflow.transfer,
    Action.ASSIGN: DossierWorkflow.assign,
    Action.CLAIM: DossierWorkflow.claim,
    Action.REASSIGN: DossierWorkflow.reassign,
    Action.APPRAISE: DossierWorkflow.appraise,
    Action.CONSULT: DossierWorkflow.consult,
    Action.ANSWER_CONSULTATION: DossierWorkflow.answer_consultation,
    Action.FORWARD: DossierWorkflow.forward,
    Action.START_VERIFICATION: DossierWorkflow.start_verification,
    Action.END_VERIFICATION: DossierWorkflow.end_verification,
    Action.REQUEST_PAYMENT: DossierWorkflow.request_payment,
    Action.RECORD_PAYMENT: DossierWorkflow.record_payment,
    Action.APPROVE: DossierWorkflow.approve,
    Action.DRAFT_EXTENSION: DossierWorkflow.draft_extension,
    Action.APPROVE_EXTENSION: DossierWorkflow.approve_extension,
    Action.MARK_RESULT_READY: DossierWorkflow.mark_result_ready,
    Action.RETURN_RESULT: DossierWorkflow.return_result,
    Action.WITHDRAW: DossierWorkflow.withdraw,
    Action.STOP: DossierWorkflow.stop,
}


_ACTION_EXAMPLES: dict[str, Any] = {
    action.value: {"summary": label(action).label_vi, "value": example}
    for action, example in {
        Action.ACCEPT: {"reason": "Hồ sơ đầy đủ, hợp lệ"},
        Action.REQUEST_SUPPLEMENT: {
            "missing_documents": ["Bản sao giấy chứng nhận kết hôn của cha mẹ"],
            "respond_within_days": 5,
        },
        Action.REFUSE: {"reason": "Thủ tục không thuộc thẩm quyền giải quyết"},
        Action.ASSIGN: {"officer": "officer.tuphap"},
        Action.APPRAISE: {"result": "sufficient", "findings": "Hồ sơ đủ điều kiện"},
        Action.CONSULT: {
            "agencies": [
                {"unit": "cong-an-tinh", "question": "Xác minh án tích", "respond_within_days": 5}
            ]
        },
        Action.ANSWER_CONSULTATION: {
            "unit": "cong-an-tinh",
            "agrees": True,
            "opinion": "Không có án tích",
        },
        Action.REQUEST_PAYMENT: {"amount_vnd": 200000, "description": "Lệ phí cấp phiếu"},
        Action.RECORD_PAYMENT: {"method": "online", "reference": "PAY-2611-0001"},
        Action.APPROVE: {"decision": "grant", "decision_number": "1234/STP-HCTP"},
        Action.DRAFT_EXTENSION: {
            "reason": "Chờ kết quả xác minh",
            "new_due_at": "2026-12-15T17:00:00+07:00",
        },
        Action.RETURN_RESULT: {"method": "electronic"},
        Action.WITHDRAW: {"reason": "Công dân không còn nhu cầu"},
        Action.STOP: {"reason": "Công dân rút hồ sơ"},
    }.items()
}


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
    user: OptionalUser,
    idempotency_key: IdempotencyKey = None,
    demo_time: Annotated[
        datetime | None,
        Header(
            alias="X-Demo-Time",
            include_in_schema=False,
            description="Demo mode only: the past instant the dossier's clock starts from.",
        ),
    ] = None,
) -> SubmissionReceipt:
    if demo_time is not None and not resources.settings.demo_clock:
        raise FieldError(
            ("header", "X-Demo-Time"),
            "value_error",
            "Chỉ dùng được ở chế độ dữ liệu mẫu (MOTCUA_DEMO_CLOCK).",
            "Only accepted in demo mode (MOTCUA_DEMO_CLOCK).",
        )
    if demo_time is not None and (demo_time.tzinfo is None or demo_time > datetime.now(UTC)):
        raise FieldError(
            ("header", "X-Demo-Time"),
            "value_error",
            "Thời điểm mẫu phải có múi giờ và ở quá khứ.",
            "The demo time needs a time zone and must be in the past.",
        )
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
        resources.settings,
        resolved,
        body,
        idempotency_key,
        demo_time,
        caller=user.username if user else None,
    )
    start = dossier_start(code, submitted_at, resolved, body)
    if demo_time is not None:
        start = start.model_copy(update={"demo_at": submitted_at})
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
        receiving_unit=unit_ref(resolved.receiving),
        competent_authority=unit_ref(resolved.competent),
        returning_unit=unit_ref(resolved.returning),
        submitted_at=submitted_at,
    )


@router.get("/{code}", response_model=DossierDetail, summary="A dossier, its timeline and actions")
async def read_dossier(
    code: DossierCode, session: SessionDep, resources: ResourcesDep, user: CurrentUser
) -> DossierDetail:
    row = await _dossier(session, code, user)
    return await dossier_detail(session, row, await _live_actions(resources, row))


@router.post(
    "/{code}/actions/{action}",
    response_model=DossierDetail,
    summary="Act on a dossier (each action is a workflow Update)",
    responses={
        409: {"description": "The dossier's current state forbids the action"},
        503: {
            "description": "The database was away: nothing was changed "
            "(`database_unavailable`), or the action was recorded and only its answer could "
            "not be read back (`recorded_database_unavailable`)"
        },
    },
)
async def act_on_dossier(
    code: DossierCode,
    action: Action,
    session: SessionDep,
    resources: ResourcesDep,
    body: Annotated[
        dict[str, Any],
        Body(
            description="The action's body (schemas.actions); actor and unit come from the "
            "signed-in user.",
            openapi_examples=_ACTION_EXAMPLES,
        ),
    ],
    user: CurrentUser,
    idempotency_key: IdempotencyKey = None,
) -> DossierDetail:
    command = _parse_command(action, body)
    row = await _dossier(session, code, user)
    check_act(user, action, row, command)
    command = command.model_copy(update={"actor": user.username, "actor_unit": user.unit})
    closed = closed_conflict(action, row.status, row.sub_state)
    if closed is not None:
        raise closed
    if isinstance(command, ConsultationRequest):
        for index, ask in enumerate(command.agencies):
            if await get_unit(session, ask.unit) is None:
                raise FieldError(
                    ("body", "agencies", str(index), "unit"),
                    "unknown_unit",
                    f"Không có cơ quan mã «{ask.unit}».",
                    f"No unit with code '{ask.unit}'.",
                )
    handle = resources.temporal.get_workflow_handle_for(DossierWorkflow.run, code)
    # The key becomes the Update id: Temporal runs an update with a given id only once.
    update = await handle.start_update(
        _UPDATES[action],
        command,
        # Scoped by the caller too: another person's key of the same text is another key.
        id=f"{action.value}:{user.username}:{idempotency_key}" if idempotency_key else None,
        wait_for_stage=WorkflowUpdateStage.COMPLETED,
    )
    view = await update.result()
    try:
        await session.refresh(row)
        return await dossier_detail(session, row, view.allowed_actions)
    except Exception as exc:
        if not database_unreachable(exc):
            raise
        # Logged by the workflow before the update answered: only reading it back failed.
        raise RecordedUnreadable(action, code) from exc


@router.get(
    "/{code}/forms/{form}",
    response_class=Response,
    summary="Download the latest issued form (01–05) as PDF",
    responses={200: {"content": {"application/pdf": {}}}},
)
async def download_form(
    code: DossierCode, form: FormKind, session: SessionDep, user: CurrentUser
) -> Response:
    await _dossier(session, code, user)
    row = await latest_form(session, code, form.value)
    if row is None:
        raise NotFound(
            f"Hồ sơ «{code}» chưa có mẫu số {form.value}.",
            f"Dossier '{code}' has no form {form.value}.",
        )
    return await form_pdf(session, row)


@router.get(
    "/{code}/handovers",
    response_model=list[HandoverEntry],
    summary="The process-control sheet (Form 06): every hand-over between units",
)
async def handovers(
    code: DossierCode, session: SessionDep, user: CurrentUser
) -> list[HandoverEntry]:
    await _dossier(session, code, user)
    return [
        HandoverEntry.model_validate(row, from_attributes=True)
        for row in await list_handovers(session, code)
    ]


@router.get(
    "/{code}/events",
    response_model=list[AuditEvent],
    summary="The append-only audit log of a dossier, whole",
)
async def events(code: DossierCode, session: SessionDep, user: CurrentUser) -> list[AuditEvent]:
    await _dossier(session, code, user)
    return [
        AuditEvent.model_validate(row, from_attributes=True)
        for row in await list_events(session, code)
    ]


@router.get(
    "/{code}/time",
    response_model=TimeAccountView,
    summary="Where the time went: working hours per level (commune, province) and per step",
)
async def time_account(
    code: DossierCode, session: SessionDep, resources: ResourcesDep, user: CurrentUser
) -> TimeAccountView:
    row = await _dossier(session, code, user)
    events = await list_events(session, code)
    handover_targets = {h.seq: h.to_unit for h in await list_handovers(session, code)}
    units = await get_units(session, {row.receiving_unit, *handover_targets.values()})
    holder, stretches = row.receiving_unit, []
    for event in events:
        holder = handover_targets.get(event.seq, holder)
        stretches.append(Stretch(event.at, holder, units[holder].level, event.sub_state))
    snapshot = DossierSnapshot.model_validate(row.snapshot)
    calendar = await working_calendar(session, resources.settings)
    end = row.closed_at or datetime.now(UTC)
    result = account(calendar, stretches, end, snapshot.pauses)
    return TimeAccountView(
        code=code,
        by_level=result.by_level,
        steps=[StepTimeView(**vars(step)) for step in result.steps],
        paused_hours=result.paused_hours,
        total_hours=result.total_hours,
    )


def _parse_command(action: Action, body: dict[str, Any]) -> ActionCommand:
    return validated_body(ACTION_BODIES[action], body)


async def _dossier(session: SessionDep, code: str, user: StaffUser) -> DossierRow:
    row = await get_dossier(session, code)
    if row is None:
        raise dossier_not_found(code)
    check_see(user, row)
    return row


async def _live_actions(resources: ResourcesDep, row: DossierRow) -> list[Action]:
    if DossierStatus(row.status).is_terminal:
        return []
    handle = resources.temporal.get_workflow_handle_for(DossierWorkflow.run, row.code)
    try:
        return (await handle.query(DossierWorkflow.view)).allowed_actions
    except RPCError as exc:
        # The projection is written before an action returns, so it is a safe fallback when
        # the workflow service cannot answer a read.
        log.warning("query for %s failed, using the projection: %s", row.code, exc)
        return allowed_actions(_projected_state(row))


def _projected_state(row: DossierRow) -> LifecycleState:
    return LifecycleState(
        status=DossierStatus(row.status),
        sub_state=SubState(row.sub_state),
        decision_issued=row.snapshot.get("decision") is not None,
        extension_drafted=row.snapshot.get("extension_draft") is not None,
        # Conservative while the workflow cannot answer: the button returns when it can.
        verification_pauses_clock=False,
        supplement_requests=int(row.snapshot.get("supplement_requests", 0)),
        fee_paid=row.snapshot.get("paid_at") is not None,
    )
