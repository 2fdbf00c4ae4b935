"""Dossier routes: submit, read with timeline and allowed actions, act, download forms."""

import logging
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Body, Depends, Header, Path, Query, Response, status

from api.auth import CurrentUser, OptionalUser
from api.deps import ResourcesDep, SessionDep
from api.errors import validated_body
from api.routing import api_router, pdf_response
from db.dossiers import list_events, list_handovers
from db.models import DossierRow
from db.reference import get_units
from schemas.dossier import DossierSnapshot, DossierSubmission, FormKind
from schemas.lifecycle import ACTIONS, Action, label
from schemas.messages import ApplicantMessage
from schemas.queues import SearchPage
from schemas.views import (
    AuditEvent,
    DossierDetail,
    HandoverEntry,
    StepTimeView,
    SubmissionReceipt,
    TimeAccountView,
)
from services import dossiers, notifications, queues
from services.calendar import working_calendar
from services.errors import (
    FieldError,
)
from services.forms import form_pdf
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


async def current_dossier(code: DossierCode, session: SessionDep, user: CurrentUser) -> DossierRow:
    """The dossier the path names, loaded and checked: 404 when it is not this person's to see."""
    return await dossiers.load(session, code, user)


CurrentDossier = Annotated[DossierRow, Depends(current_dossier)]

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
    return await dossiers.submit(
        session,
        resources.temporal,
        resources.settings,
        body,
        user,
        idempotency_key,
        demo_time,
    )


@router.get(
    "",
    response_model=SearchPage,
    summary="Find dossiers in my scope by code, name (marks ignored), ID number, tax code, phone",
)
async def search_dossiers(
    session: SessionDep,
    user: CurrentUser,
    q: Annotated[str, Query(max_length=100, description="What the applicant says")],
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SearchPage:
    return await queues.search(session, user, q, page, size)


@router.get("/{code}", response_model=DossierDetail, summary="A dossier, its timeline and actions")
async def read_dossier(
    row: CurrentDossier, session: SessionDep, resources: ResourcesDep
) -> DossierDetail:
    return await dossiers.read(session, resources.temporal, row)


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
    row: CurrentDossier,
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
    command = validated_body(ACTIONS[action].body, body)
    return await dossiers.act(
        session, resources.temporal, user, row, action, command, idempotency_key
    )


@router.get(
    "/{code}/messages",
    response_model=list[ApplicantMessage],
    summary="What the applicant was told, by which channel, and whether it reached them",
)
async def applicant_messages(
    dossier: CurrentDossier, session: SessionDep
) -> list[ApplicantMessage]:
    return await notifications.applicant_messages(session, dossier.code)


@router.get(
    "/{code}/forms/{form}",
    response_class=Response,
    summary="Download the latest issued form (01–05) as PDF",
    responses={200: {"content": {"application/pdf": {}}}},
)
async def download_form(
    dossier: CurrentDossier, form: FormKind, session: SessionDep, resources: ResourcesDep
) -> Response:
    return pdf_response(await form_pdf(session, dossier.code, form.value, resources.signing))


@router.get(
    "/{code}/handovers",
    response_model=list[HandoverEntry],
    summary="The process-control sheet (Form 06): every hand-over between units",
)
async def handovers(dossier: CurrentDossier, session: SessionDep) -> list[HandoverEntry]:
    return [
        HandoverEntry.model_validate(row, from_attributes=True)
        for row in await list_handovers(session, dossier.code)
    ]


@router.get(
    "/{code}/events",
    response_model=list[AuditEvent],
    summary="The append-only audit log of a dossier, whole",
)
async def events(dossier: CurrentDossier, session: SessionDep) -> list[AuditEvent]:
    return [
        AuditEvent.model_validate(row, from_attributes=True)
        for row in await list_events(session, dossier.code)
    ]


@router.get(
    "/{code}/time",
    response_model=TimeAccountView,
    summary="Where the time went: working hours per level (commune, province) and per step",
)
async def time_account(
    row: CurrentDossier, session: SessionDep, resources: ResourcesDep
) -> TimeAccountView:
    code = row.code
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
