"""Receiving a dossier: resolve its three units, allocate its code, start its workflow.

A submission with an `Idempotency-Key` records the key with the allocated code in the same
transaction; a retry finds the key, re-issues the same (idempotent) workflow start, and
answers with the same dossier. If the first attempt died between the commit and the start,
the retry is what starts the workflow, so nothing is lost either way.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

import catalogue
from db.codes import allocate_code
from db.dossiers import claim_idempotency_key, find_idempotency_key
from db.models import OrgUnitRow
from db.reference import current_procedure, get_unit
from motcua.settings import Settings
from schemas.dossier import ActionAnswer, DossierStart, DossierSubmission
from schemas.escalation import Rung
from schemas.procedure import ProcedureDefinition
from schemas.status import Channel
from schemas.unit import Level, OrgUnit
from services.errors import Conflict, FieldError
from services.transaction import commit_now
from workflows.dossier import DossierWorkflow


@dataclass(frozen=True)
class ResolvedSubmission:
    """Plain values, not table rows: they outlive the session's transactions."""

    procedure: ProcedureDefinition
    receiving: OrgUnit
    competent: OrgUnit
    returning: OrgUnit
    locality: str | None


async def resolve(session: AsyncSession, body: DossierSubmission) -> ResolvedSubmission:
    procedure = await current_procedure(session, body.procedure_code)
    if procedure is None:
        raise FieldError(
            ("body", "procedure_code"),
            "unknown_procedure",
            f"Không có thủ tục mã «{body.procedure_code}» trong danh mục.",
            f"No procedure with code '{body.procedure_code}' in the catalogue.",
        )
    receiving = await get_unit(session, body.receiving_unit)
    if receiving is None or not receiving.receives_dossiers:
        raise FieldError(
            ("body", "receiving_unit"),
            "unknown_receiving_unit",
            f"«{body.receiving_unit}» không phải là bộ phận một cửa tiếp nhận hồ sơ.",
            f"'{body.receiving_unit}' is not a one-stop unit that receives dossiers.",
        )
    _check_receiving_rules(body, procedure, receiving)
    competent = await _competent_authority(session, body, procedure, receiving)
    counter = OrgUnit.model_validate(receiving, from_attributes=True)
    locality = await _locality(session, body, procedure, receiving, competent)
    # The result goes back where the applicant handed the dossier in (Decree 118/2025).
    return ResolvedSubmission(
        procedure,
        counter,
        OrgUnit.model_validate(competent, from_attributes=True),
        counter,
        locality,
    )


async def _locality(
    session: AsyncSession,
    body: DossierSubmission,
    procedure: ProcedureDefinition,
    receiving: OrgUnitRow,
    competent: OrgUnitRow,
) -> str | None:
    """The commune a dossier concerns, for the commune-level steps of its process."""
    loc = ("body", "locality")
    if body.locality is not None:
        unit = await get_unit(session, body.locality)
        if unit is None or unit.level != Level.COMMUNE.value:
            raise FieldError(
                loc,
                "unknown_locality",
                f"«{body.locality}» không phải là xã/phường.",
                f"'{body.locality}' is not a commune or ward.",
            )
        return unit.code
    for unit in (receiving, competent):
        if unit.level == Level.COMMUNE.value:
            return unit.code
    needs_commune = any(
        step.level is Level.COMMUNE and step.unit is None and not step.at_counter
        for step in procedure.steps
    )
    if needs_commune:
        raise FieldError(
            loc,
            "locality_required",
            f"Thủ tục «{procedure.name_vi}» có bước do xã/phường xác nhận: cần chọn xã/phường.",
            f"Procedure '{procedure.name_en}' has a commune step: give the commune (locality).",
        )
    return None


def _check_receiving_rules(
    body: DossierSubmission, procedure: ProcedureDefinition, receiving: OrgUnitRow
) -> None:
    if int(body.channel) not in procedure.receiving.channels:
        raise FieldError(
            ("body", "channel"),
            "channel_not_accepted",
            f"Thủ tục «{procedure.name_vi}» không nhận hồ sơ {body.channel.name_vi.lower()}.",
            f"Procedure '{procedure.name_en}' does not accept channel {int(body.channel)}.",
        )
    if not procedure.receiving.anywhere_in_province and receiving.level != procedure.level.value:
        raise FieldError(
            ("body", "receiving_unit"),
            "receiving_unit_not_accepted",
            f"Thủ tục «{procedure.name_vi}» chỉ tiếp nhận tại bộ phận một cửa cấp "
            f"{'tỉnh' if procedure.level is Level.PROVINCE else 'xã'}.",
            f"Procedure '{procedure.name_en}' is received only at {procedure.level.value} level.",
        )


async def _competent_authority(
    session: AsyncSession,
    body: DossierSubmission,
    procedure: ProcedureDefinition,
    receiving: OrgUnitRow,
) -> OrgUnitRow:
    loc = ("body", "competent_authority")
    if procedure.level is Level.PROVINCE:
        assert procedure.competent_unit is not None, "validated by the catalogue"
        competent = await get_unit(session, procedure.competent_unit)
        if competent is None:
            raise RuntimeError(f"procedure {procedure.code} names unknown unit")
        if body.competent_authority not in (None, competent.code):
            raise FieldError(
                loc,
                "wrong_competent_authority",
                f"Thủ tục «{procedure.name_vi}» do {competent.name_vi} giải quyết.",
                f"Procedure '{procedure.name_en}' is decided by {competent.name_en}.",
            )
        return competent
    code = body.competent_authority or (
        receiving.code if receiving.level == Level.COMMUNE.value else None
    )
    if code is None:
        raise FieldError(
            loc,
            "competent_authority_required",
            "Thủ tục cấp xã nhận tại Trung tâm tỉnh: cần chọn xã/phường có thẩm quyền.",
            "A commune-level procedure received at the provincial centre needs the "
            "competent commune or ward.",
        )
    competent = await get_unit(session, code)
    if competent is None or competent.level != Level.COMMUNE.value:
        raise FieldError(
            loc,
            "unknown_competent_authority",
            f"«{code}» không phải là xã/phường có thẩm quyền giải quyết thủ tục này.",
            f"'{code}' is not a commune or ward competent for this procedure.",
        )
    return competent


@lru_cache
def default_ladder() -> list[Rung]:
    return catalogue.load_default_ladder()


def request_hash(body: DossierSubmission) -> str:
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


async def reserve_code(
    session: AsyncSession,
    settings: Settings,
    resolved: ResolvedSubmission,
    body: DossierSubmission,
    idempotency_key: str | None,
    demo_time: datetime | None = None,
    *,
    caller: str | None = None,
) -> tuple[str, datetime]:
    """The dossier's code and receipt time: new ones, or those of the earlier identical request.

    A key belongs to its caller (a signed-in clerk's username): another caller's key of the
    same text is another key, so nobody learns, or blocks, a dossier that is not theirs.
    An anonymous online submission has no name to scope by; its key is scoped by the
    request itself, so only the very same submission finds the dossier again."""
    fingerprint = request_hash(body)
    if idempotency_key is not None:
        owner = f"staff:{caller}" if caller else f"online:{fingerprint}"
        idempotency_key = hashlib.sha256(f"{owner}\x00{idempotency_key}".encode()).hexdigest()
        earlier = await find_idempotency_key(session, idempotency_key)
        if earlier is not None:
            return _same_request(
                earlier.dossier_code, earlier.created_at, earlier.request_hash, fingerprint
            )
    now = datetime.now(UTC) if demo_time is None else demo_time.astimezone(UTC)
    local_day = now.astimezone(ZoneInfo(settings.timezone)).date()
    try:
        code = await allocate_code(session, resolved.receiving.e_id, local_day)
        if idempotency_key is None:
            await commit_now(session)
            return code, now
        claimed = await claim_idempotency_key(session, idempotency_key, fingerprint, code, now)
        # Read before the transaction ends: a rollback expires the row.
        winner = (claimed.dossier_code, claimed.created_at, claimed.request_hash)
        if winner[0] == code:
            await commit_now(session)
        else:
            # A concurrent request with the same key won; give our number back.
            await session.rollback()
    except BaseException:
        await session.rollback()
        raise
    return _same_request(*winner, fingerprint)


def _same_request(
    code: str, created_at: datetime, stored_hash: str, fingerprint: str
) -> tuple[str, datetime]:
    if stored_hash != fingerprint:
        raise Conflict(
            "Mã Idempotency-Key này đã được dùng cho một hồ sơ khác.",
            "This Idempotency-Key was already used for a different submission.",
            reason="idempotency_key_reused",
            dossier=code,
        )
    return code, created_at


def dossier_start(
    code: str, submitted_at: datetime, resolved: ResolvedSubmission, body: DossierSubmission
) -> DossierStart:
    default_actor = "citizen" if body.channel is Channel.ONLINE else "one-stop clerk"
    return DossierStart(
        code=code,
        procedure_code=resolved.procedure.code,
        procedure_version=resolved.procedure.version,
        receiving_unit=resolved.receiving.code,
        competent_authority=resolved.competent.code,
        returning_unit=resolved.returning.code,
        locality=resolved.locality,
        channel=body.channel,
        applicant=body.applicant,
        submitted_at=submitted_at,
        submitted_by=body.received_by or default_actor,
        note=body.note,
        procedure=resolved.procedure,
        ladder=resolved.procedure.escalation or default_ladder(),
    )


async def start_dossier(client: Client, task_queue: str, start: DossierStart) -> ActionAnswer:
    """Start the workflow (or find it running) and wait until the submission is recorded."""
    operation = WithStartWorkflowOperation(
        DossierWorkflow.run,
        start,
        id=start.code,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    return await client.execute_update_with_start_workflow(
        DossierWorkflow.registered, start_workflow_operation=operation
    )
