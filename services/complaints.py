"""Complaints and petitions handled as cases: filed (about a dossier with its secret, or
about a unit), given a code, an owner unit and a legal answer date in working days, reminded
and escalated by the province's ladder (`workflows.complaint`), answered and published.

A complaint about a dossier counts against it in indicator 5.4, as a complaint sent with a
rating does, once per dossier.
"""

import hashlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

import catalogue
from db import outbox
from db.codes import allocate_code
from db.dossiers import claim_idempotency_key, find_idempotency_key
from db.models import ComplaintRow, DossierFeedbackRow, IdempotencyKeyRow, OrgUnitRow
from db.portal import question_record
from db.portal import queue as portal_queue
from db.reference import get_unit
from db.statistics import add_to_daily, contribution, difference, dossier_facts
from motcua.settings import Settings
from schemas.complaints import (
    ComplaintAnswer,
    ComplaintStatus,
    ComplaintSubmission,
    ComplaintTask,
    ComplaintView,
)
from schemas.escalation import Rung
from schemas.lifecycle import Role
from schemas.messages import CITIZEN_KIND, CitizenChannel
from schemas.procedure import TimeLimit, TimeUnit
from schemas.users import StaffUser
from services import tracking
from services.access import province_wide
from services.calendar import working_calendar
from services.errors import Conflict, FieldError, Forbidden, NotFound
from services.transaction import commit_now
from workflows.complaint import ComplaintWorkflow
from worktime.calendar import WorkingCalendar

# The agency part of a complaint's code: PAKN-YYMMDD-NNNN.
CODE_PREFIX = "PAKN"


def ladder_times(
    calendar: WorkingCalendar, start: datetime, due: datetime, ladder: list[Rung]
) -> list[tuple[datetime, Rung]]:
    """When each rung of the ladder fires for a case open from `start` to `due`."""
    begin = calendar.clock_start(start)
    budget = calendar.working_hours_between(begin, due)
    times = []
    for rung in ladder:
        if rung.budget_used is not None:
            at = calendar.add_working_hours(begin, budget * rung.budget_used)
        elif rung.working_hours_before_due is not None:
            at = calendar.subtract_working_hours(due, rung.working_hours_before_due)
        else:
            at = due
        times.append((max(at, start), rung))
    return sorted(times, key=lambda pair: pair[0])


async def file(
    session: AsyncSession,
    temporal: Client,
    settings: Settings,
    body: ComplaintSubmission,
    idempotency_key: str | None = None,
) -> ComplaintView:
    request_hash = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    if idempotency_key:
        earlier = await find_idempotency_key(session, f"complaint:{idempotency_key}")
        if earlier is not None:
            return await _same_request(session, earlier, request_hash)
    owner = await _owner(session, settings, body)
    now = datetime.now(UTC)
    calendar = await working_calendar(session, settings)
    limit = TimeLimit(value=settings.complaint_answer_working_days, unit=TimeUnit.WORKING_DAYS)
    due = calendar.due(now, limit).due_at
    tz = ZoneInfo(settings.timezone)
    code = await allocate_code(session, CODE_PREFIX, now.astimezone(tz).date())
    row = ComplaintRow(
        code=code,
        dossier_code=body.dossier_code,
        owner_unit=owner,
        subject=body.subject,
        content=body.content,
        full_name=body.full_name,
        phone=body.phone,
        email=body.email,
        received_at=now,
        due_at=due,
    )
    session.add(row)
    if idempotency_key:
        claimed = await claim_idempotency_key(
            session, f"complaint:{idempotency_key}", request_hash, code, now
        )
        if claimed.dossier_code != code:
            await session.rollback()
            return await _same_request(session, claimed, request_hash)
    await session.flush()
    if body.dossier_code is not None:
        await _count_against(session, body.dossier_code, tz)
    await _tell_portal(session, settings, row)
    await commit_now(session)
    task = ComplaintTask(
        code=code,
        owner_unit=owner,
        subject=body.subject,
        due_at=due,
        rungs=ladder_times(calendar, now, due, catalogue.load_default_ladder()),
    )
    await temporal.start_workflow(
        ComplaintWorkflow.run, task, id=f"complaint-{code}", task_queue=settings.task_queue
    )
    return await view(session, code)


async def _same_request(
    session: AsyncSession, earlier: IdempotencyKeyRow, request_hash: str
) -> ComplaintView:
    """A retried filing (same key) is the complaint filed the first time."""
    if earlier.request_hash != request_hash:
        raise Conflict(
            "Khóa Idempotency-Key đã được dùng cho một phản ánh khác.",
            "The Idempotency-Key was used for a different complaint.",
            reason="idempotency_key_reused",
        )
    return await view(session, earlier.dossier_code)


async def _owner(session: AsyncSession, settings: Settings, body: ComplaintSubmission) -> str:
    """The unit that answers: the dossier's deciding authority, or the unit named."""
    if body.dossier_code is not None:
        row = await tracking.find(session, settings, body.dossier_code, body.secret or "")
        facts = await dossier_facts(session, row.code)
        assert facts is not None, "a dossier found has its facts"
        return str(facts["competent_authority"])
    assert body.unit is not None, "checked by the submission"
    if await get_unit(session, body.unit) is None:
        raise FieldError(
            ("body", "unit"),
            "unknown_unit",
            f"Không có đơn vị «{body.unit}».",
            f"There is no unit '{body.unit}'.",
        )
    return body.unit


async def _count_against(session: AsyncSession, dossier_code: str, tz: ZoneInfo) -> None:
    """5.4 counts a dossier with a complaint once, however many complaints it has."""
    earlier = (
        await session.exec(
            select(ComplaintRow.code).where(ComplaintRow.dossier_code == dossier_code)
        )
    ).all()
    rated = await session.get(DossierFeedbackRow, dossier_code)
    if len(earlier) > 1 or (rated is not None and rated.complaint is not None):
        return
    facts = await dossier_facts(session, dossier_code)
    assert facts is not None
    await add_to_daily(
        session, difference(contribution(facts, tz, complaint=True), contribution(facts, tz))
    )


async def view(session: AsyncSession, code: str, *, public: bool = False) -> ComplaintView:
    row = await session.get(ComplaintRow, code)
    if row is None:
        raise NotFound(f"Không có phản ánh «{code}».", f"There is no complaint '{code}'.")
    unit = await session.get(OrgUnitRow, row.owner_unit)
    return ComplaintView(
        code=row.code,
        subject=row.subject,
        content=row.content,
        dossier_code=row.dossier_code,
        owner_unit=row.owner_unit,
        owner_unit_name=unit.name_vi if unit else row.owner_unit,
        status=ComplaintStatus(row.status),
        received_at=row.received_at,
        due_at=row.due_at,
        late=_late(row),
        answer=row.answer if (row.published or not public) else None,
        answered_at=row.answered_at,
        published=row.published,
    )


def _late(row: ComplaintRow) -> bool:
    end = row.answered_at or datetime.now(UTC)
    return end > row.due_at


async def _tell_portal(session: AsyncSession, settings: Settings, row: ComplaintRow) -> None:
    """Questions and answers are the portal's too (DongBoHoiDap), sent in order."""
    if settings.portal_url:
        record = question_record(row, ZoneInfo(settings.timezone))
        await portal_queue(session, [record], datetime.now(UTC))


async def answer(
    session: AsyncSession,
    temporal: Client,
    settings: Settings,
    user: StaffUser,
    code: str,
    body: ComplaintAnswer,
) -> ComplaintView:
    row = await session.get(ComplaintRow, code, with_for_update=True)
    if row is None:
        raise NotFound(f"Không có phản ánh «{code}».", f"There is no complaint '{code}'.")
    if user.role not in (Role.LEADER, Role.OFFICER) or (
        user.unit != row.owner_unit and not province_wide(user)
    ):
        raise Forbidden(
            f"Chỉ lãnh đạo, chuyên viên của đơn vị «{row.owner_unit}» trả lời phản ánh này.",
            f"Only the leaders and officers of '{row.owner_unit}' answer this complaint.",
        )
    if row.status == ComplaintStatus.ANSWERED:
        raise Conflict(
            "Phản ánh này đã được trả lời.", "The complaint is already answered.",
            reason="complaint_answered",
        )  # fmt: skip
    now = datetime.now(UTC)
    row.status, row.answer, row.answered_by = ComplaintStatus.ANSWERED, body.answer, user.username
    row.answered_at, row.published = now, body.publish
    await outbox.put(
        session,
        [
            outbox.Queued(
                dossier_code=row.code,
                seq=0,
                kind=f"{CITIZEN_KIND}complaint_answered",
                channel=CitizenChannel.SMS.value,
                recipient=row.phone,
                message_vi=f"Phản ánh {row.code} đã được trả lời: {body.answer[:300]}",
                message_en=f"Your complaint {row.code} was answered: {body.answer[:300]}",
            )
        ],
        now,
        now,
    )
    await _tell_portal(session, settings, row)
    await commit_now(session)
    handle = temporal.get_workflow_handle_for(ComplaintWorkflow.run, f"complaint-{code}")
    await handle.signal(ComplaintWorkflow.answered)
    return await view(session, code)


async def open_and_late(session: AsyncSession, user: StaffUser) -> list[ComplaintView]:
    """The open complaints in the person's scope, the latest due first to be answered."""
    statement = select(ComplaintRow.code).where(ComplaintRow.status == ComplaintStatus.OPEN)
    if not province_wide(user):
        statement = statement.where(ComplaintRow.owner_unit == user.unit)
    codes = (await session.exec(statement.order_by(col(ComplaintRow.due_at)))).all()
    return [await view(session, code) for code in codes]


async def published(session: AsyncSession, limit: int = 50) -> list[ComplaintView]:
    codes = (
        await session.exec(
            select(ComplaintRow.code)
            .where(col(ComplaintRow.published))
            .order_by(col(ComplaintRow.answered_at).desc())
            .limit(limit)
        )
    ).all()
    return [await view(session, code, public=True) for code in codes]
