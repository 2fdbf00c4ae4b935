"""The life of one dossier, from submission to the returned result (Decree 118/2025).

Every clerk, officer, leader or citizen action arrives as an Update. Its validator consults
the lifecycle table in `schemas.lifecycle`, so an illegal action is rejected before it
reaches history. A handler changes state first, without awaiting, so a second action that
arrives while the first is being recorded is judged against the new state; dates and forms
follow.
"""

import inspect
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
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
        ReasonedCommand,
        Reassignment,
        ResultReturn,
        SupplementRequest,
        SupplementSubmission,
        VerificationRequest,
    )
    from schemas.deadlines import Suspension
    from schemas.dossier import (
        Consultation,
        DossierStart,
        DossierView,
        EventType,
        ExtensionDraft,
        FormKind,
        Pause,
        PauseReason,
    )
    from schemas.lifecycle import Action, allowed_actions
    from schemas.status import DossierStatus as S
    from schemas.status import SubState as T
    from workflows.clocks import ClockMixin
    from workflows.consultation import ConsultationReply, ConsultationWorkflow
    from workflows.machinery import ILLEGAL_ACTION

__all__ = ["ILLEGAL_ACTION", "DossierWorkflow"]


def _rule(action: Action, update: Any) -> Any:  # Any: each update has its own command type
    """A validator that only asks the lifecycle table.

    Temporal requires a validator's parameters to match its update's exactly, so the
    validator takes on the update's signature.
    """

    def validate(dossier: Any, command: Any) -> None:
        dossier._require(action, command)

    validate.__signature__ = inspect.signature(update)  # type: ignore[attr-defined]
    return validate


@workflow.defn
class DossierWorkflow(ClockMixin):
    @workflow.init
    def __init__(self, start: DossierStart) -> None:
        self._start_machinery(start)

    @workflow.run
    async def run(self, start: DossierStart) -> DossierView:
        self._enter_step("intake")
        submitted = self._transition(
            EventType.SUBMITTED,
            S.NEW,
            T.AWAITING_RECEIPT,
            ActionCommand(
                actor=start.submitted_by, actor_unit=start.receiving_unit, reason=start.note
            ),
            data={"channel": int(start.channel)},
        )
        await self._persist(submitted)
        await self._watch_deadlines()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.view()

    @workflow.update
    async def registered(self) -> DossierView:
        """Answers once the submission is in the audit log: the API's update-with-start."""
        await workflow.wait_condition(lambda: self._persisted_seq >= 1)
        return self.view()

    @workflow.query
    def view(self) -> DossierView:
        return DossierView(
            code=self._dossier.code,
            snapshot=self._s,
            allowed_actions=allowed_actions(self._lifecycle()),
        )

    # --- Intake at the one-stop counter ------------------------------------------------

    @workflow.update
    async def accept(self, command: ActionCommand) -> DossierView:
        self._s.accepted_at = workflow.now()
        event = self._transition(EventType.ACCEPTED, S.ACCEPTED, T.AWAITING_TRANSFER, command)
        await self._replan()
        event.data["due_at"] = None if self._s.due_at is None else self._s.due_at.isoformat()
        await self._persist(event)
        await self._issue(FormKind.RECEIPT, event, {"due_explanation": self._s.due_explanation_vi})
        return self.view()

    @workflow.update
    async def request_supplement(self, command: SupplementRequest) -> DossierView:
        event = self._ask_for_supplement(command, command.missing_documents, origin="intake")
        await self._set_supplement_deadline(event, command.respond_within_days)
        await self._persist(event)
        await self._issue(
            FormKind.SUPPLEMENT_REQUEST, event, {"missing_documents": command.missing_documents}
        )
        return self.view()

    @workflow.update
    async def submit_supplement(self, command: SupplementSubmission) -> DossierView:
        data = {"documents": command.documents}
        self._s.supplement_due_at = None
        if self._s.supplement_origin == "appraisal":
            # Back to the officer at the competent authority; the clock runs again.
            self._s.pauses[-1].ended_at = workflow.now()
            event = self._transition(
                EventType.SUPPLEMENT_SUBMITTED,
                S.PROCESSING,
                T.IN_APPRAISAL,
                command,
                data=data,
                handover_to=self._dossier.competent_authority,
            )
            await self._replan()
        else:
            event = self._transition(
                EventType.SUPPLEMENT_SUBMITTED, S.NEW, T.AWAITING_RECEIPT, command, data=data
            )
        await self._persist(event)
        return self.view()

    @workflow.update
    async def refuse(self, command: ReasonedCommand) -> DossierView:
        self._s.closed_at = workflow.now()
        event = self._transition(EventType.REFUSED, S.REFUSED, T.CLOSED, command)
        await self._persist(event)
        await self._issue(FormKind.REFUSAL, event, {})
        return self.view()

    @workflow.update
    async def transfer(self, command: ActionCommand) -> DossierView:
        event = self._transition(
            EventType.TRANSFERRED,
            S.PROCESSING,
            T.AWAITING_ASSIGNMENT,
            command,
            handover_to=self._dossier.competent_authority,
        )
        self._s.step_index = self._first_authority_step()
        self._enter_step("processing")
        await self._replan()
        await self._persist(event)
        return self.view()

    # --- At the competent authority ----------------------------------------------------

    @workflow.update
    async def assign(self, command: Assignment) -> DossierView:
        self._s.assignee = command.officer
        event = self._transition(
            EventType.ASSIGNED,
            S.PROCESSING,
            T.IN_APPRAISAL,
            command,
            data={"officer": command.officer},
        )
        await self._persist(event)
        return self.view()

    @workflow.update
    async def claim(self, command: ActionCommand) -> DossierView:
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
        return self.view()

    @workflow.update
    async def reassign(self, command: Reassignment) -> DossierView:
        previous, self._s.assignee = self._s.assignee, command.officer
        event = self._transition(
            EventType.REASSIGNED,
            self._s.status,
            self._s.sub_state,
            command,
            data={"officer": command.officer, "from": previous},
        )
        await self._persist(event)
        return self.view()

    @workflow.update
    async def appraise(self, command: Appraisal) -> DossierView:
        data = {"result": command.result.value, "findings": command.findings}
        if command.result is AppraisalResult.SUFFICIENT:
            event = self._transition(
                EventType.APPRAISED, S.PROCESSING, T.AWAITING_SIGNATURE, command, data=data
            )
            await self._persist(event)
            return self.view()
        # Insufficient: back to the one-stop with a Form 02; the legal clock stops.
        self._s.pauses.append(Pause(reason=PauseReason.SUPPLEMENT, started_at=workflow.now()))
        event = self._ask_for_supplement(
            command, command.missing_documents, origin="appraisal", data=data
        )
        await self._set_supplement_deadline(event, command.respond_within_days)
        await self._replan()
        await self._persist(event)
        await self._issue(
            FormKind.SUPPLEMENT_REQUEST, event, {"missing_documents": command.missing_documents}
        )
        return self.view()

    @workflow.update
    async def consult(self, command: ConsultationRequest) -> DossierView:
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
                    requested_at=workflow.now(),
                    due_at=due.due_at,
                )
            )
        await self._persist(event)
        self._start_consultations(len(command.agencies))
        return self.view()

    @workflow.update
    async def answer_consultation(self, command: ConsultationAnswer) -> DossierView:
        consultation = self._open_consultation(command.unit)
        assert consultation is not None, "checked by the validator"
        handle = workflow.get_external_workflow_handle(self._consultation_id(consultation))
        await handle.signal(
            ConsultationWorkflow.answer,
            ConsultationReply(actor=command.actor, agrees=command.agrees, opinion=command.opinion),
        )
        # The answer is recorded by the consultation's own task; return once it is in the log.
        await workflow.wait_condition(
            lambda: not consultation.is_open and self._persisted_seq >= self._s.last_seq
        )
        return self.view()

    @workflow.update
    async def forward(self, command: ActionCommand) -> DossierView:
        """Hand the dossier to the next step's unit (commune ↔ province, tax…)."""
        steps = self._dossier.procedure.steps
        index = self._next_route_step()
        assert index is not None, "checked by the validator"
        step, unit = steps[index], self._route_unit(steps[index])
        if not steps[self._s.step_index].counts and self._s.is_paused:
            self._s.pauses[-1].ended_at = workflow.now()
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
                    started_at=workflow.now(),
                    note=step.name_vi,
                )
            )
        self._enter_step(step.name_vi, step.budget_working_days if step.counts else None)
        await self._replan()
        await self._persist(event)
        return self.view()

    @workflow.update
    async def start_verification(self, command: VerificationRequest) -> DossierView:
        self._s.pauses.append(
            Pause(
                reason=PauseReason.EXTERNAL_VERIFICATION,
                started_at=workflow.now(),
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
        await self._replan()
        await self._persist(event)
        return self.view()

    @workflow.update
    async def end_verification(self, command: ActionCommand) -> DossierView:
        self._s.pauses[-1].ended_at = workflow.now()
        event = self._transition(
            EventType.VERIFICATION_ENDED, S.PROCESSING, T.IN_APPRAISAL, command
        )
        await self._replan()
        await self._persist(event)
        return self.view()

    @workflow.update
    async def request_payment(self, command: PaymentRequest) -> DossierView:
        self._s.payment_amount_vnd = command.amount_vnd
        if "financial_obligation" in self._dossier.procedure.pauses_allowed:
            self._s.pauses.append(
                Pause(reason=PauseReason.FINANCIAL_OBLIGATION, started_at=workflow.now())
            )
        event = self._transition(
            EventType.PAYMENT_REQUESTED,
            S.FINANCIAL_OBLIGATION,
            T.AWAITING_PAYMENT,
            command,
            data={"amount_vnd": command.amount_vnd, "description": command.description},
        )
        await self._replan()
        await self._persist(event)
        return self.view()

    @workflow.update
    async def record_payment(self, command: PaymentRecord) -> DossierView:
        if self._s.is_paused:
            self._s.pauses[-1].ended_at = workflow.now()
        self._s.paid_at, self._s.payment_method = workflow.now(), command.method.value
        event = self._transition(
            EventType.PAYMENT_RECORDED,
            S.PROCESSING,
            T.AWAITING_SIGNATURE,
            command,
            data={"method": command.method.value, "reference": command.reference},
        )
        await self._replan()
        await self._persist(event)
        return self.view()

    @workflow.update
    async def approve(self, command: Approval) -> DossierView:
        self._s.decision, self._s.decision_number = command.decision.value, command.decision_number
        self._s.decided_at = workflow.now()
        event = self._transition(
            EventType.APPROVED,
            S.PROCESSING,
            T.SIGNED,
            command,
            data={"decision": command.decision.value, "decision_number": command.decision_number},
        )
        await self._persist(event)
        return self.view()

    @workflow.update
    async def draft_extension(self, command: ExtensionDraftCommand) -> DossierView:
        self._s.extension_draft = ExtensionDraft(
            reason=command.reason,
            new_due_at=command.new_due_at,
            drafted_by=command.actor,
            drafted_at=workflow.now(),
        )
        event = self._transition(
            EventType.EXTENSION_DRAFTED,
            self._s.status,
            self._s.sub_state,
            command,
            data={"new_due_at": command.new_due_at.isoformat()},
        )
        await self._persist(event)
        return self.view()

    @workflow.update
    async def approve_extension(self, command: ActionCommand) -> DossierView:
        draft = self._s.extension_draft
        assert draft is not None, "checked by the validator"
        previous = self._s.due_at
        self._s.extension_draft, self._s.apology_required = None, False
        self._s.extended_due_at, self._s.extended_at = draft.new_due_at, workflow.now()
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
        await self._replan()
        await self._persist(event)
        await self._issue(FormKind.APOLOGY, event, {"new_due_at": draft.new_due_at.isoformat()})
        return self.view()

    @workflow.update
    async def mark_result_ready(self, command: ActionCommand) -> DossierView:
        event = self._transition(
            EventType.RESULT_READY,
            S.RESULT_READY,
            T.AWAITING_RETURN,
            command,
            handover_to=self._dossier.returning_unit,
        )
        self._enter_step("return")
        await self._persist(event)
        return self.view()

    @workflow.update
    async def return_result(self, command: ResultReturn) -> DossierView:
        self._s.result_method, self._s.closed_at = command.method.value, workflow.now()
        event = self._transition(
            EventType.RESULT_RETURNED,
            S.RESULT_RETURNED,
            T.CLOSED,
            command,
            data={"method": command.method.value, "recipient": command.recipient},
        )
        await self._persist(event)
        return self.view()

    # --- Ending early --------------------------------------------------------------------

    @workflow.update
    async def withdraw(self, command: ReasonedCommand) -> DossierView:
        # The one-stop issues the stop notice (Form 05), so the dossier goes back there.
        event = self._transition(
            EventType.WITHDRAWAL_REQUESTED,
            S.WITHDRAWAL_REQUESTED,
            T.AWAITING_STOP_NOTICE,
            command,
            handover_to=self._dossier.receiving_unit,
        )
        await self._persist(event)
        return self.view()

    @workflow.update
    async def stop(self, command: ReasonedCommand) -> DossierView:
        self._s.closed_at = workflow.now()
        if self._s.is_paused:
            self._s.pauses[-1].ended_at = workflow.now()
        event = self._transition(EventType.STOPPED, S.STOPPED, T.CLOSED, command)
        await self._persist(event)
        await self._issue(FormKind.STOP_NOTICE, event, {})
        return self.view()

    # --- From outside: the calendar and bulk decisions ---------------------------------

    @workflow.signal
    async def calendar_changed(self) -> None:
        """An administrator changed the calendar: recompute every date and move the timer."""
        if self._s.status.is_terminal:
            return
        await self._replan_and_record(
            EventType.DEADLINE_RECOMPUTED, ActionCommand(actor="system"), {}
        )

    @workflow.signal
    async def suspend(self, suspension: Suspension) -> None:
        """A bulk suspension or extension (typhoon, flood, decree), recorded on this dossier."""
        if self._s.status.is_terminal:
            return
        if suspension.paused_from is not None and suspension.paused_to is not None:
            self._s.pauses.append(
                Pause(
                    reason=PauseReason.FORCE_MAJEURE,
                    started_at=suspension.paused_from,
                    ended_at=suspension.paused_to,
                    legal_reference=suspension.legal_reference,
                    note=suspension.reason,
                )
            )
        self._s.extra_working_days += suspension.extra_working_days
        await self._replan_and_record(
            EventType.SUSPENDED,
            ActionCommand(actor=suspension.decided_by, reason=suspension.reason),
            {
                "legal_reference": suspension.legal_reference,
                "paused_from": None
                if suspension.paused_from is None
                else suspension.paused_from.isoformat(),
                "paused_to": None
                if suspension.paused_to is None
                else suspension.paused_to.isoformat(),
                "extra_working_days": suspension.extra_working_days,
            },
            always=True,
        )

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
    _v_accept = accept.validator(_rule(Action.ACCEPT, accept))
    _v_request_supplement = request_supplement.validator(
        _rule(Action.REQUEST_SUPPLEMENT, request_supplement)
    )
    _v_submit_supplement = submit_supplement.validator(
        _rule(Action.SUBMIT_SUPPLEMENT, submit_supplement)
    )
    _v_refuse = refuse.validator(_rule(Action.REFUSE, refuse))
    _v_transfer = transfer.validator(_rule(Action.TRANSFER, transfer))
    _v_assign = assign.validator(_rule(Action.ASSIGN, assign))
    _v_claim = claim.validator(_rule(Action.CLAIM, claim))
    _v_appraise = appraise.validator(_rule(Action.APPRAISE, appraise))
    _v_forward = forward.validator(_rule(Action.FORWARD, forward))
    _v_start_verification = start_verification.validator(
        _rule(Action.START_VERIFICATION, start_verification)
    )
    _v_end_verification = end_verification.validator(
        _rule(Action.END_VERIFICATION, end_verification)
    )
    _v_request_payment = request_payment.validator(_rule(Action.REQUEST_PAYMENT, request_payment))
    _v_record_payment = record_payment.validator(_rule(Action.RECORD_PAYMENT, record_payment))
    _v_approve = approve.validator(_rule(Action.APPROVE, approve))
    _v_approve_extension = approve_extension.validator(
        _rule(Action.APPROVE_EXTENSION, approve_extension)
    )
    _v_mark_result_ready = mark_result_ready.validator(
        _rule(Action.MARK_RESULT_READY, mark_result_ready)
    )
    _v_return_result = return_result.validator(_rule(Action.RETURN_RESULT, return_result))
    _v_withdraw = withdraw.validator(_rule(Action.WITHDRAW, withdraw))
    _v_stop = stop.validator(_rule(Action.STOP, stop))
