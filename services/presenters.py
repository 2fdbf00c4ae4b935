"""Turning projection rows into the API's answers."""

from sqlmodel.ext.asyncio.session import AsyncSession

from db.answers import detail_parts
from db.models import DossierRow
from db.reference import procedure_version
from schemas.dossier import Applicant, DossierSnapshot, EventType, FormKind
from schemas.lifecycle import Action, label
from schemas.status import Channel, DossierStatus, SubState
from schemas.views import (
    ChannelInfo,
    DossierDetail,
    DueInfo,
    FormInfo,
    ProcedureRef,
    StatusInfo,
    SubStateInfo,
    TimelineEntry,
    UnitRef,
)

FORM_TITLES_VI = {
    FormKind.RECEIPT: "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    FormKind.SUPPLEMENT_REQUEST: "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    FormKind.REFUSAL: "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    FormKind.APOLOGY: "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    FormKind.STOP_NOTICE: "Thông báo dừng xử lý hồ sơ",
}


def unit_ref(unit: object) -> UnitRef:
    return UnitRef.model_validate(unit, from_attributes=True)


async def dossier_detail(
    session: AsyncSession, row: DossierRow, actions: list[Action]
) -> DossierDetail:
    parts = await detail_parts(
        session,
        row.code,
        (row.receiving_unit, row.competent_authority, row.returning_unit),
        row.last_seq,
    )
    units = parts.units
    procedure = await procedure_version(session, row.procedure_code, row.procedure_version)
    assert procedure is not None, "a dossier's procedure version is never deleted"
    snapshot = DossierSnapshot.model_validate(row.snapshot)
    channel = Channel(row.channel)
    return DossierDetail(
        code=row.code,
        procedure=ProcedureRef(
            code=procedure.code,
            version=procedure.version,
            name_vi=procedure.name_vi,
            name_en=procedure.name_en,
        ),
        receiving_unit=unit_ref(units[row.receiving_unit]),
        competent_authority=unit_ref(units[row.competent_authority]),
        returning_unit=unit_ref(units[row.returning_unit]),
        holder_unit=row.holder_unit,
        channel=ChannelInfo(code=channel, name_vi=channel.name_vi),
        status=StatusInfo.of(DossierStatus(row.status)),
        sub_state=SubStateInfo.of(SubState(row.sub_state)),
        applicant=Applicant.model_validate(row.applicant),
        assignee=row.assignee,
        submitted_at=row.submitted_at,
        accepted_at=row.accepted_at,
        due=DueInfo(
            original_due_at=row.original_due_at,
            legal_due_at=snapshot.legal_due_at,
            due_at=row.due_at,
            explanation_vi=snapshot.due_explanation_vi,
            explanation_en=snapshot.due_explanation_en,
            paused=snapshot.is_paused,
            paused_working_hours=snapshot.paused_working_hours,
            late_by_rule=row.late_by_rule,
            step=snapshot.step,
            step_due_at=snapshot.step_due_at,
            supplement_due_at=snapshot.supplement_due_at,
            apology_required=snapshot.apology_required,
            extension_draft=snapshot.extension_draft,
            alarms=snapshot.alarms,
            fired_rungs=snapshot.fired_rungs,
        ),
        supplement_requests=row.supplement_requests,
        decision=snapshot.decision,
        decision_number=snapshot.decision_number,
        result=snapshot.result,
        signing_failure=snapshot.signing_failure,
        consultations=snapshot.consultations,
        pauses=snapshot.pauses,
        forms=[
            FormInfo(
                form=issued.form,
                seq=issued.seq,
                title_vi=FORM_TITLES_VI[FormKind(issued.form)],
                filename=issued.filename,
                url=f"/api/v1/dossiers/{row.code}/forms/{issued.form}",
                created_at=issued.created_at,
            )
            for issued in parts.forms
        ],
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
            for event in parts.timeline
        ],
        allowed_actions=[label(action) for action in actions],
    )
