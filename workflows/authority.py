"""What happens to a dossier at the competent authority: assignment, appraisal,
consultations, inter-level steps, verification, payment, signature and apology letters,
and the result's way back to the counter.
"""

from temporalio import workflow

from schemas.actions import (
    ActionCommand,
    Appraisal,
    AppraisalResult,
    Approval,
    Assignment,
    ConsultationAnswer,
    ConsultationRequest,
    ExtensionDraftCommand,
    PaymentRecord,
    PaymentRequest,
    Reassignment,
    ResultReturn,
    VerificationRequest,
)
from schemas.dossier import (
    ActionAnswer,
    Consultation,
    EventType,
    ExtensionDraft,
    FormKind,
    Pause,
    PauseReason,
)
from schemas.lifecycle import Action
from schemas.status import DossierStatus as S
from schemas.status import SubState as T
from workflows.clocks import ClockMixin
from workflows.consultation import ConsultationReply, ConsultationWorkflow
from workflows.machinery import rule


class AuthoritySteps(ClockMixin):
    @workflow.update
    async def assign(self, command: Assignment) -> ActionAnswer:
        self._s.assignee = command.officer
        event = self._transition(
            EventType.ASSIGNED,
            S.PROCESSING,
            T.IN_APPRAISAL,
            command,
            data={"officer": command.officer},
        )
        await self._persist(event)
        return self._answer()

    @workflow.update
    async def claim(self, command: ActionCommand) -> ActionAnswer:
        """An officer takes an unassigned dossier from the unit's queue."""
        self._s.assignee = command.actor
        event = self._transition(
            EventType.ASSIGNED,
            S.PROCESSING,
            T.IN_APPRAISAL,
            command,
            data={"officer": command.actor, "claimed": True},
        )
        await self._persist(event)
        return self._answer()

    @workflow.update
    async def reassign(self, command: Reassignment) -> ActionAnswer:
        previous, self._s.assignee = self._s.assignee, command.officer
        event = self._transition(
            EventType.REASSIGNED,
            self._s.status,
            self._s.sub_state,
            command,
            data={"officer": command.officer, "from": previous},
        )
        await self._persist(event)
        return self._answer()

    @workflow.update
    async def appraise(self, command: Appraisal) -> ActionAnswer:
        data = {"result": command.result.value, "findings": command.findings}
        if command.result is AppraisalResult.SUFFICIENT:
            event = self._transition(
                EventType.APPRAISED, S.PROCESSING, T.AWAITING_SIGNATURE, command, data=data
            )
            await self._persist(event)
            return self._answer()
        # Insufficient: back to the one-stop with a Form 02; the legal clock stops.
        self._s.pauses.append(Pause(reason=PauseReason.SUPPLEMENT, started_at=self._now()))
        event = self._ask_for_supplement(
            command, command.missing_documents, origin="appraisal", data=data
        )
        await self._set_supplement_deadline(event, command.respond_within_days)
        await self._record(
            event,
            replan=True,
            form=FormKind.SUPPLEMENT_REQUEST,
            details={"missing_documents": command.missing_documents},
        )
        return self._answer()

    @workflow.update
    async def consult(self, command: ConsultationRequest) -> ActionAnswer:
        event = self._transition(
            EventType.CONSULTATION_REQUESTED,
            S.PROCESSING,
            T.IN_CONSULTATION,
            command,
            data={"agencies": [a.model_dump(mode="json") for a in command.agencies]},
        )
        for ask in command.agencies:
            due = await self._working_days_from_now(ask.respond_within_days)
            self._s.consultations.append(
                Consultation(
                    unit=ask.unit,
                    question=ask.question,
                    requested_at=self._now(),
                    due_at=due.due_at,
                )
            )
        await self._persist(event)
        self._start_consultations(len(command.agencies))
        return self._answer()

    @workflow.update
    async def answer_consultation(self, command: ConsultationAnswer) -> ActionAnswer:
        consultation = self._open_consultation(command.unit)
        assert consultation is not None, "checked by the validator"
        child_id = self._consultation_id(consultation)
        # Asked and answered in quick succession, the child may not have started yet.
        await workflow.wait_condition(lambda: child_id in self._consultation_children)
        await self._consultation_children[child_id].signal(
            ConsultationWorkflow.answer,
            ConsultationReply(actor=command.actor, agrees=command.agrees, opinion=command.opinion),
        )
        # The answer is recorded by the consultation's own task; return once it is in the log.
        await workflow.wait_condition(
            lambda: not consultation.is_open and self._persisted_seq >= self._s.last_seq
        )
        return self._answer()

    @workflow.update
    async def forward(self, command: ActionCommand) -> ActionAnswer:
        """Hand the dossier to the next step's unit (commune ↔ province, tax…)."""
        steps = self._dossier.procedure.steps
        index = self._next_route_step()
        assert index is not None, "checked by the validator"
        step, unit = steps[index], self._route_unit(steps[index])
        if not steps[self._s.step_index].counts and self._s.is_paused:
            self._s.pauses[-1].ended_at = self._now()
        self._s.step_index = index
        sub_state = T.IN_APPRAISAL if unit == self._dossier.competent_authority else T.IN_STEP
        event = self._transition(
            EventType.FORWARDED,
            S.PROCESSING,
            sub_state,
            command,
            data={"step": index, "step_name": step.name_vi, "unit": unit},
            handover_to=unit,
        )
        if not step.counts and step.pause_reason is not None:
            # Time at this step is excluded by law (the tax authority, a posting period).
            self._s.pauses.append(
                Pause(
                    reason=PauseReason(step.pause_reason.value),
                    started_at=self._now(),
                    note=step.name_vi,
                )
            )
        self._enter_step(step.name_vi, step.budget_working_days if step.counts else None)
        await self._record(event, replan=True)
        return self._answer()

    @workflow.update
    async def start_verification(self, command: VerificationRequest) -> ActionAnswer:
        self._s.pauses.append(
            Pause(
                reason=PauseReason.EXTERNAL_VERIFICATION,
                started_at=self._now(),
                note=command.agency,
            )
        )
        event = self._transition(
            EventType.VERIFICATION_STARTED,
            S.PROCESSING,
            T.IN_VERIFICATION,
            command,
            data={"agency": command.agency},
        )
        await self._record(event, replan=True)
        return self._answer()

    @workflow.update
    async def end_verification(self, command: ActionCommand) -> ActionAnswer:
        self._s.pauses[-1].ended_at = self._now()
        event = self._transition(
            EventType.VERIFICATION_ENDED, S.PROCESSING, T.IN_APPRAISAL, command
        )
        await self._record(event, replan=True)
        return self._answer()

    @workflow.update
    async def request_payment(self, command: PaymentRequest) -> ActionAnswer:
        self._s.payment_amount_vnd = command.amount_vnd
        if "financial_obligation" in self._dossier.procedure.pauses_allowed:
            self._s.pauses.append(
                Pause(reason=PauseReason.FINANCIAL_OBLIGATION, started_at=self._now())
            )
        event = self._transition(
            EventType.PAYMENT_REQUESTED,
            S.FINANCIAL_OBLIGATION,
            T.AWAITING_PAYMENT,
            command,
            data={"amount_vnd": command.amount_vnd, "description": command.description},
        )
        await self._record(event, replan=True)
        return self._answer()

    @workflow.update
    async def record_payment(self, command: PaymentRecord) -> ActionAnswer:
        if self._s.is_paused:
            self._s.pauses[-1].ended_at = self._now()
        self._s.paid_at, self._s.payment_method = self._now(), command.method.value
        event = self._transition(
            EventType.PAYMENT_RECORDED,
            S.PROCESSING,
            T.AWAITING_SIGNATURE,
            command,
            data={"method": command.method.value, "reference": command.reference},
        )
        await self._record(event, replan=True)
        return self._answer()

    @workflow.update
    async def approve(self, command: Approval) -> ActionAnswer:
        self._s.decision, self._s.decision_number = command.decision.value, command.decision_number
        self._s.decided_at = self._now()
        event = self._transition(
            EventType.APPROVED,
            S.PROCESSING,
            T.SIGNED,
            command,
            data={"decision": command.decision.value, "decision_number": command.decision_number},
        )
        await self._persist(event)
        return self._answer()

    @workflow.update
    async def draft_extension(self, command: ExtensionDraftCommand) -> ActionAnswer:
        self._s.extension_draft = ExtensionDraft(
            reason=command.reason,
            new_due_at=command.new_due_at,
            drafted_by=command.actor,
            drafted_at=self._now(),
        )
        event = self._transition(
            EventType.EXTENSION_DRAFTED,
            self._s.status,
            self._s.sub_state,
            command,
            data={"new_due_at": command.new_due_at.isoformat()},
        )
        await self._persist(event)
        return self._answer()

    @workflow.update
    async def approve_extension(self, command: ActionCommand) -> ActionAnswer:
        draft = self._s.extension_draft
        assert draft is not None, "checked by the validator"
        previous = self._s.due_at
        self._s.extension_draft, self._s.apology_required = None, False
        self._s.extended_due_at, self._s.extended_at = draft.new_due_at, self._now()
        event = self._transition(
            EventType.EXTENDED,
            self._s.status,
            self._s.sub_state,
            command.model_copy(update={"reason": command.reason or draft.reason}),
            data={
                "previous_due_at": previous.isoformat() if previous else None,
                "new_due_at": draft.new_due_at.isoformat(),
                "drafted_by": draft.drafted_by,
            },
        )
        await self._record(
            event,
            replan=True,
            form=FormKind.APOLOGY,
            details={"new_due_at": draft.new_due_at.isoformat()},
        )
        return self._answer()

    @workflow.update
    async def mark_result_ready(self, command: ActionCommand) -> ActionAnswer:
        event = self._transition(
            EventType.RESULT_READY,
            S.RESULT_READY,
            T.AWAITING_RETURN,
            command,
            handover_to=self._dossier.returning_unit,
        )
        self._enter_step("return")
        await self._persist(event)
        return self._answer()

    @workflow.update
    async def return_result(self, command: ResultReturn) -> ActionAnswer:
        self._s.result_method, self._s.closed_at = command.method.value, self._now()
        event = self._transition(
            EventType.RESULT_RETURNED,
            S.RESULT_RETURNED,
            T.CLOSED,
            command,
            data={"method": command.method.value, "recipient": command.recipient},
        )
        await self._persist(event)
        return self._answer()

    # --- Validators beyond the lifecycle table -------------------------------------------

    @reassign.validator
    def _v_reassign(self, command: Reassignment) -> None:
        self._require(Action.REASSIGN)
        if command.officer == self._s.assignee:
            self._reject(
                f"Hồ sơ đã được giao cho «{command.officer}».",
                f"The dossier is already assigned to '{command.officer}'.",
            )

    @consult.validator
    def _v_consult(self, command: ConsultationRequest) -> None:
        self._require(Action.CONSULT)
        units = [ask.unit for ask in command.agencies]
        if len(set(units)) != len(units) or self._dossier.competent_authority in units:
            self._reject(
                "Mỗi cơ quan chỉ được hỏi một lần và không phải cơ quan đang giải quyết.",
                "Each agency is asked once, and not the deciding authority itself.",
            )

    @answer_consultation.validator
    def _v_answer_consultation(self, command: ConsultationAnswer) -> None:
        self._require(Action.ANSWER_CONSULTATION)
        if self._open_consultation(command.unit) is None:
            self._reject(
                f"Không có yêu cầu xin ý kiến nào đang chờ «{command.unit}» trả lời.",
                f"No open consultation awaits an answer from '{command.unit}'.",
            )

    @draft_extension.validator
    def _v_draft_extension(self, command: ExtensionDraftCommand) -> None:
        self._require(Action.DRAFT_EXTENSION)
        if self._s.due_at is not None and command.new_due_at <= self._s.due_at:
            self._reject(
                "Ngày hẹn mới phải sau ngày hẹn hiện tại.",
                "The new due date must be later than the current one.",
            )

    # The others only ask the lifecycle table.
    _v_assign = assign.validator(rule(Action.ASSIGN, assign))
    _v_claim = claim.validator(rule(Action.CLAIM, claim))
    _v_appraise = appraise.validator(rule(Action.APPRAISE, appraise))
    _v_forward = forward.validator(rule(Action.FORWARD, forward))
    _v_start_verification = start_verification.validator(
        rule(Action.START_VERIFICATION, start_verification)
    )
    _v_end_verification = end_verification.validator(
        rule(Action.END_VERIFICATION, end_verification)
    )
    _v_request_payment = request_payment.validator(rule(Action.REQUEST_PAYMENT, request_payment))
    _v_record_payment = record_payment.validator(rule(Action.RECORD_PAYMENT, record_payment))
    _v_approve = approve.validator(rule(Action.APPROVE, approve))
    _v_approve_extension = approve_extension.validator(
        rule(Action.APPROVE_EXTENSION, approve_extension)
    )
    _v_mark_result_ready = mark_result_ready.validator(
        rule(Action.MARK_RESULT_READY, mark_result_ready)
    )
    _v_return_result = return_result.validator(rule(Action.RETURN_RESULT, return_result))
