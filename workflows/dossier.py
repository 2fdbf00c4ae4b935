"""The life of one dossier, from submission to the returned result (Decree 118/2025).

Every clerk, officer, leader or citizen action arrives as an Update. Its validator consults
the lifecycle table in `schemas.lifecycle`, so an illegal action is rejected before it
reaches history. A handler that must first ask an activity (a due date) checks the rules
again after that await, then changes state and records the event without awaiting in
between, so two concurrent actions can never both pass.
"""

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.calendar import CalendarActivities
    from activities.forms import FormActivities
    from activities.projection import ProjectionActivities
    from schemas.actions import (
        ActionCommand,
        Appraisal,
        AppraisalResult,
        Approval,
        Assignment,
        ConsultationAnswer,
        ConsultationRequest,
        Extension,
        PaymentRecord,
        PaymentRequest,
        ReasonedCommand,
        Reassignment,
        ResultReturn,
        SupplementRequest,
        SupplementSubmission,
    )
    from schemas.calendar import DueRequest, DueResult, ShiftRequest
    from schemas.dossier import (
        Consultation,
        DossierEvent,
        DossierSnapshot,
        DossierStart,
        DossierView,
        EventType,
        FormKind,
        FormRequest,
        Handover,
        Pause,
        PauseReason,
        RecordEvent,
    )
    from schemas.lifecycle import Action, LifecycleState, allowed_actions, refusal
    from schemas.procedure import TimeLimit, TimeUnit
    from schemas.status import DossierStatus as S
    from schemas.status import SubState as T
    from workflows.consultation import (
        ConsultationOutcome,
        ConsultationReply,
        ConsultationTask,
        ConsultationWorkflow,
    )

ILLEGAL_ACTION = "IllegalAction"

# A database outage delays the projection; it must never lose an event, so retries go on.
_RETRY_FOREVER = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
)
_ACTIVITY_TIMEOUT = timedelta(seconds=60)


@workflow.defn
class DossierWorkflow:
    @workflow.init
    def __init__(self, start: DossierStart) -> None:
        self._dossier = start
        self._s = DossierSnapshot(
            status=S.NEW, sub_state=T.AWAITING_RECEIPT, holder_unit=start.receiving_unit
        )
        self._persisted_seq = 0
        self._persist_lock = asyncio.Lock()
        self._consultation_tasks: list[asyncio.Task[None]] = []

    @workflow.run
    async def run(self, start: DossierStart) -> DossierView:
        await self._persist(
            self._transition(
                EventType.SUBMITTED,
                S.NEW,
                T.AWAITING_RECEIPT,
                ActionCommand(
                    actor=start.submitted_by, actor_unit=start.receiving_unit, reason=start.note
                ),
                data={"channel": int(start.channel)},
            )
        )
        await workflow.wait_condition(
            lambda: self._s.status.is_terminal and workflow.all_handlers_finished()
        )
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
        due = await self._due(workflow.now(), self._dossier.procedure.time_limit)
        self._require(Action.ACCEPT)
        self._s.accepted_at = workflow.now()
        self._set_due(due, original=True)
        record = self._transition(
            EventType.ACCEPTED,
            S.ACCEPTED,
            T.AWAITING_TRANSFER,
            command,
            data={"due_at": due.due_at.isoformat()},
        )
        await self._persist(record)
        await self._issue(FormKind.RECEIPT, record, {"due_explanation": due.explanation_vi})
        return self.view()

    @workflow.update
    async def request_supplement(self, command: SupplementRequest) -> DossierView:
        supplement_due = await self._supplement_due(command.respond_within_days)
        self._require(Action.REQUEST_SUPPLEMENT, command)
        record = self._ask_for_supplement(
            command, command.missing_documents, supplement_due, origin="intake"
        )
        await self._persist(record)
        await self._issue(
            FormKind.SUPPLEMENT_REQUEST, record, {"missing_documents": command.missing_documents}
        )
        return self.view()

    @workflow.update
    async def submit_supplement(self, command: SupplementSubmission) -> DossierView:
        shifted = await self._resume_clock()
        self._require(Action.SUBMIT_SUPPLEMENT)
        if shifted is not None:
            self._set_due(shifted)
        data = {"documents": command.documents}
        if self._s.supplement_origin == "appraisal":
            # Back to the officer at the competent authority, with the paused time added.
            record = self._transition(
                EventType.SUPPLEMENT_SUBMITTED,
                S.PROCESSING,
                T.IN_APPRAISAL,
                command,
                data=data,
                handover_to=self._dossier.competent_authority,
            )
        else:
            record = self._transition(
                EventType.SUPPLEMENT_SUBMITTED, S.NEW, T.AWAITING_RECEIPT, command, data=data
            )
        self._s.supplement_due_at = None
        await self._persist(record)
        return self.view()

    @workflow.update
    async def refuse(self, command: ReasonedCommand) -> DossierView:
        self._s.closed_at = workflow.now()
        record = self._transition(EventType.REFUSED, S.REFUSED, T.CLOSED, command)
        await self._persist(record)
        await self._issue(FormKind.REFUSAL, record, {})
        return self.view()

    @workflow.update
    async def transfer(self, command: ActionCommand) -> DossierView:
        record = self._transition(
            EventType.TRANSFERRED,
            S.PROCESSING,
            T.AWAITING_ASSIGNMENT,
            command,
            handover_to=self._dossier.competent_authority,
        )
        await self._persist(record)
        return self.view()

    # --- At the competent authority ----------------------------------------------------

    @workflow.update
    async def assign(self, command: Assignment) -> DossierView:
        self._s.assignee = command.officer
        record = self._transition(
            EventType.ASSIGNED,
            S.PROCESSING,
            T.IN_APPRAISAL,
            command,
            data={"officer": command.officer},
        )
        await self._persist(record)
        return self.view()

    @workflow.update
    async def reassign(self, command: Reassignment) -> DossierView:
        previous, self._s.assignee = self._s.assignee, command.officer
        record = self._transition(
            EventType.REASSIGNED,
            self._s.status,
            self._s.sub_state,
            command,
            data={"officer": command.officer, "from": previous},
        )
        await self._persist(record)
        return self.view()

    @workflow.update
    async def appraise(self, command: Appraisal) -> DossierView:
        data = {"result": command.result.value, "findings": command.findings}
        if command.result is AppraisalResult.SUFFICIENT:
            record = self._transition(
                EventType.APPRAISED, S.PROCESSING, T.AWAITING_SIGNATURE, command, data=data
            )
            await self._persist(record)
            return self.view()
        supplement_due = await self._supplement_due(command.respond_within_days)
        self._require(Action.APPRAISE, command)
        # Insufficient: back to the one-stop with a Form 02; the legal clock stops.
        self._s.pauses.append(Pause(reason=PauseReason.SUPPLEMENT, started_at=workflow.now()))
        record = self._ask_for_supplement(
            command, command.missing_documents, supplement_due, origin="appraisal", data=data
        )
        await self._persist(record)
        await self._issue(
            FormKind.SUPPLEMENT_REQUEST, record, {"missing_documents": command.missing_documents}
        )
        return self.view()

    @workflow.update
    async def consult(self, command: ConsultationRequest) -> DossierView:
        dues = [
            await self._due(
                workflow.now(), TimeLimit(value=ask.respond_within_days, unit=TimeUnit.WORKING_DAYS)
            )
            for ask in command.agencies
        ]
        self._require(Action.CONSULT, command)
        for ask, due in zip(command.agencies, dues, strict=True):
            self._s.consultations.append(
                Consultation(
                    unit=ask.unit,
                    question=ask.question,
                    requested_at=workflow.now(),
                    due_at=due.due_at,
                )
            )
        record = self._transition(
            EventType.CONSULTATION_REQUESTED,
            S.PROCESSING,
            T.IN_CONSULTATION,
            command,
            data={"agencies": [a.model_dump(mode="json") for a in command.agencies]},
        )
        await self._persist(record)
        for consultation in self._s.consultations[-len(command.agencies) :]:
            # Background tasks are deterministic in workflow code; each records its own outcome.
            self._consultation_tasks.append(
                asyncio.create_task(self._await_consultation(consultation))
            )
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
    async def request_payment(self, command: PaymentRequest) -> DossierView:
        self._s.payment_amount_vnd = command.amount_vnd
        if "financial_obligation" in self._dossier.procedure.pauses_allowed:
            self._s.pauses.append(
                Pause(reason=PauseReason.FINANCIAL_OBLIGATION, started_at=workflow.now())
            )
        record = self._transition(
            EventType.PAYMENT_REQUESTED,
            S.FINANCIAL_OBLIGATION,
            T.AWAITING_PAYMENT,
            command,
            data={"amount_vnd": command.amount_vnd, "description": command.description},
        )
        await self._persist(record)
        return self.view()

    @workflow.update
    async def record_payment(self, command: PaymentRecord) -> DossierView:
        shifted = await self._resume_clock()
        self._require(Action.RECORD_PAYMENT)
        if shifted is not None:
            self._set_due(shifted)
        self._s.paid_at, self._s.payment_method = workflow.now(), command.method.value
        record = self._transition(
            EventType.PAYMENT_RECORDED,
            S.PROCESSING,
            T.AWAITING_SIGNATURE,
            command,
            data={"method": command.method.value, "reference": command.reference},
        )
        await self._persist(record)
        return self.view()

    @workflow.update
    async def approve(self, command: Approval) -> DossierView:
        self._s.decision, self._s.decision_number = command.decision.value, command.decision_number
        self._s.decided_at = workflow.now()
        record = self._transition(
            EventType.APPROVED,
            S.PROCESSING,
            T.SIGNED,
            command,
            data={"decision": command.decision.value, "decision_number": command.decision_number},
        )
        await self._persist(record)
        return self.view()

    @workflow.update
    async def extend(self, command: Extension) -> DossierView:
        previous = self._s.due_at
        self._s.due_at = command.new_due_at
        self._s.due_explanation_vi = f"Gia hạn theo thư xin lỗi: {command.reason}"
        self._s.due_explanation_en = f"Extended by apology letter: {command.reason}"
        record = self._transition(
            EventType.EXTENDED,
            self._s.status,
            self._s.sub_state,
            command,
            data={
                "previous_due_at": previous.isoformat() if previous else None,
                "new_due_at": command.new_due_at.isoformat(),
            },
        )
        await self._persist(record)
        await self._issue(FormKind.APOLOGY, record, {"new_due_at": command.new_due_at.isoformat()})
        return self.view()

    @workflow.update
    async def mark_result_ready(self, command: ActionCommand) -> DossierView:
        record = self._transition(
            EventType.RESULT_READY,
            S.RESULT_READY,
            T.AWAITING_RETURN,
            command,
            handover_to=self._dossier.returning_unit,
        )
        await self._persist(record)
        return self.view()

    @workflow.update
    async def return_result(self, command: ResultReturn) -> DossierView:
        self._s.result_method, self._s.closed_at = command.method.value, workflow.now()
        record = self._transition(
            EventType.RESULT_RETURNED,
            S.RESULT_RETURNED,
            T.CLOSED,
            command,
            data={"method": command.method.value, "recipient": command.recipient},
        )
        await self._persist(record)
        return self.view()

    # --- Ending early --------------------------------------------------------------------

    @workflow.update
    async def withdraw(self, command: ReasonedCommand) -> DossierView:
        # The one-stop issues the stop notice (Form 05), so the dossier goes back there.
        record = self._transition(
            EventType.WITHDRAWAL_REQUESTED,
            S.WITHDRAWAL_REQUESTED,
            T.AWAITING_STOP_NOTICE,
            command,
            handover_to=self._dossier.receiving_unit,
        )
        await self._persist(record)
        return self.view()

    @workflow.update
    async def stop(self, command: ReasonedCommand) -> DossierView:
        self._s.closed_at = workflow.now()
        if self._s.is_paused:
            self._s.pauses[-1].ended_at = workflow.now()
        record = self._transition(EventType.STOPPED, S.STOPPED, T.CLOSED, command)
        await self._persist(record)
        await self._issue(FormKind.STOP_NOTICE, record, {})
        return self.view()

    # --- Validators: one per action, all through the lifecycle table ---------------------

    @accept.validator
    def _v_accept(self, command: ActionCommand) -> None:
        self._require(Action.ACCEPT)

    @request_supplement.validator
    def _v_request_supplement(self, command: SupplementRequest) -> None:
        self._require(Action.REQUEST_SUPPLEMENT, command)

    @submit_supplement.validator
    def _v_submit_supplement(self, command: SupplementSubmission) -> None:
        self._require(Action.SUBMIT_SUPPLEMENT)

    @refuse.validator
    def _v_refuse(self, command: ReasonedCommand) -> None:
        self._require(Action.REFUSE)

    @transfer.validator
    def _v_transfer(self, command: ActionCommand) -> None:
        self._require(Action.TRANSFER)

    @assign.validator
    def _v_assign(self, command: Assignment) -> None:
        self._require(Action.ASSIGN)

    @reassign.validator
    def _v_reassign(self, command: Reassignment) -> None:
        self._require(Action.REASSIGN)
        if command.officer == self._s.assignee:
            self._reject(
                f"Hồ sơ đã được giao cho «{command.officer}».",
                f"The dossier is already assigned to '{command.officer}'.",
            )

    @appraise.validator
    def _v_appraise(self, command: Appraisal) -> None:
        self._require(Action.APPRAISE, command)

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

    @request_payment.validator
    def _v_request_payment(self, command: PaymentRequest) -> None:
        self._require(Action.REQUEST_PAYMENT)

    @record_payment.validator
    def _v_record_payment(self, command: PaymentRecord) -> None:
        self._require(Action.RECORD_PAYMENT)

    @approve.validator
    def _v_approve(self, command: Approval) -> None:
        self._require(Action.APPROVE)

    @extend.validator
    def _v_extend(self, command: Extension) -> None:
        self._require(Action.EXTEND)
        if self._s.due_at is not None and command.new_due_at <= self._s.due_at:
            self._reject(
                "Ngày hẹn mới phải sau ngày hẹn hiện tại.",
                "The new due date must be later than the current one.",
            )

    @mark_result_ready.validator
    def _v_mark_result_ready(self, command: ActionCommand) -> None:
        self._require(Action.MARK_RESULT_READY)

    @return_result.validator
    def _v_return_result(self, command: ResultReturn) -> None:
        self._require(Action.RETURN_RESULT)

    @withdraw.validator
    def _v_withdraw(self, command: ReasonedCommand) -> None:
        self._require(Action.WITHDRAW)

    @stop.validator
    def _v_stop(self, command: ReasonedCommand) -> None:
        self._require(Action.STOP)

    # --- Machinery ---------------------------------------------------------------------

    def _lifecycle(self) -> LifecycleState:
        return LifecycleState(
            status=self._s.status,
            sub_state=self._s.sub_state,
            decision_issued=self._s.decision is not None,
        )

    def _reject(self, message_vi: str, message_en: str) -> None:
        raise ApplicationError(
            message_vi,
            {
                "message_en": message_en,
                "status": int(self._s.status),
                "sub_state": self._s.sub_state.value,
            },
            type=ILLEGAL_ACTION,
            non_retryable=True,
        )

    def _require(self, action: Action, command: ActionCommand | None = None) -> None:
        why = refusal(action, self._lifecycle())
        if why is not None:
            raise ApplicationError(
                why.message_vi, why.model_dump(mode="json"), type=ILLEGAL_ACTION, non_retryable=True
            )
        needs_reason = action in (Action.REQUEST_SUPPLEMENT, Action.APPRAISE)
        repeated = needs_reason and self._s.supplement_requests >= 1
        # Guidance must be given once; a second request needs an explicit reason.
        if repeated and command is not None and not command.reason:
            self._reject(
                "Hồ sơ đã được yêu cầu bổ sung một lần; yêu cầu lần hai phải nêu lý do "
                "(reason) và hồ sơ sẽ bị tính là trễ hạn.",
                "A supplement was already requested once; a second request needs a reason "
                "and counts the dossier as late.",
            )

    def _ask_for_supplement(
        self,
        command: ActionCommand,
        missing: list[str],
        supplement_due: DueResult | None,
        *,
        origin: str,
        data: Mapping[str, Any] | None = None,
    ) -> RecordEvent:
        self._s.supplement_requests += 1
        self._s.late_by_rule = self._s.late_by_rule or self._s.supplement_requests > 1
        self._s.supplement_origin = origin
        self._s.supplement_due_at = None if supplement_due is None else supplement_due.due_at
        return self._transition(
            EventType.SUPPLEMENT_REQUESTED,
            S.SUPPLEMENT_REQUESTED,
            T.AWAITING_SUPPLEMENT,
            command,
            data={
                **(data or {}),
                "missing_documents": missing,
                "origin": origin,
                "request_number": self._s.supplement_requests,
                "late_by_rule": self._s.late_by_rule,
                "respond_by": None if supplement_due is None else supplement_due.due_at.isoformat(),
            },
            handover_to=self._dossier.receiving_unit,
        )

    def _transition(
        self,
        event_type: EventType,
        to_status: S,
        sub_state: T,
        command: ActionCommand,
        *,
        data: Mapping[str, Any] | None = None,
        handover_to: str | None = None,
    ) -> RecordEvent:
        seq = self._s.last_seq + 1
        handover = None
        if handover_to is not None and handover_to != self._s.holder_unit:
            handover = Handover(from_unit=self._s.holder_unit, to_unit=handover_to)
            self._s.holder_unit = handover_to
        event = DossierEvent(
            dossier_code=self._dossier.code,
            seq=seq,
            type=event_type,
            at=workflow.now(),
            actor=command.actor,
            actor_unit=command.actor_unit or self._s.holder_unit,
            from_status=None if seq == 1 else self._s.status,
            to_status=to_status,
            sub_state=sub_state,
            reason=command.reason,
            data=data or {},
            handover=handover,
        )
        self._s.status, self._s.sub_state, self._s.last_seq = to_status, sub_state, seq
        return RecordEvent(
            dossier=self._dossier, snapshot=self._s.model_copy(deep=True), event=event
        )

    async def _persist(self, record: RecordEvent) -> None:
        # FIFO lock: events reach the log in sequence order.
        async with self._persist_lock:
            await workflow.execute_activity_method(
                ProjectionActivities.record_event,
                record,
                start_to_close_timeout=_ACTIVITY_TIMEOUT,
                retry_policy=_RETRY_FOREVER,
            )
            self._persisted_seq = record.event.seq

    async def _issue(self, form: FormKind, record: RecordEvent, details: dict[str, object]) -> None:
        await workflow.execute_activity_method(
            FormActivities.render_form,
            FormRequest(
                form=form,
                dossier=self._dossier,
                snapshot=record.snapshot,
                event=record.event,
                details=details,
            ),
            start_to_close_timeout=_ACTIVITY_TIMEOUT,
            retry_policy=_RETRY_FOREVER,
        )

    async def _due(self, start: datetime, limit: TimeLimit) -> DueResult:
        return await workflow.execute_activity_method(
            CalendarActivities.compute_due,
            DueRequest(start=start, time_limit=limit),
            start_to_close_timeout=_ACTIVITY_TIMEOUT,
            retry_policy=_RETRY_FOREVER,
        )

    async def _supplement_due(self, days: int | None) -> DueResult | None:
        if days is None:
            return None
        return await self._due(workflow.now(), TimeLimit(value=days, unit=TimeUnit.WORKING_DAYS))

    async def _resume_clock(self) -> DueResult | None:
        """Close the open pause and move the due date by the working time it lasted."""
        if not self._s.is_paused or self._s.due_at is None:
            return None
        pause = self._s.pauses[-1]
        shifted = await workflow.execute_activity_method(
            CalendarActivities.shift_due,
            ShiftRequest(
                due_at=self._s.due_at, paused_from=pause.started_at, paused_to=workflow.now()
            ),
            start_to_close_timeout=_ACTIVITY_TIMEOUT,
            retry_policy=_RETRY_FOREVER,
        )
        pause.ended_at = workflow.now()
        return shifted

    def _set_due(self, due: DueResult, *, original: bool = False) -> None:
        self._s.due_at = due.due_at
        self._s.due_explanation_vi, self._s.due_explanation_en = (
            due.explanation_vi,
            due.explanation_en,
        )
        if original:
            self._s.original_due_at = due.due_at

    def _open_consultation(self, unit: str) -> Consultation | None:
        return next((c for c in self._s.consultations if c.unit == unit and c.is_open), None)

    def _consultation_id(self, consultation: Consultation) -> str:
        number = self._s.consultations.index(consultation) + 1
        return f"{self._dossier.code}/consultation-{number}-{consultation.unit}"

    async def _await_consultation(self, consultation: Consultation) -> None:
        outcome: ConsultationOutcome = await workflow.execute_child_workflow(
            ConsultationWorkflow.run,
            ConsultationTask(
                dossier_code=self._dossier.code,
                unit=consultation.unit,
                question=consultation.question,
                due_at=consultation.due_at,
            ),
            id=self._consultation_id(consultation),
        )
        consultation.expired = outcome.expired
        consultation.answered_at = outcome.answered_at
        if outcome.reply is not None:
            consultation.agrees, consultation.opinion = outcome.reply.agrees, outcome.reply.opinion
        actor = outcome.reply.actor if outcome.reply else "system"
        # The last answer sends the dossier back to its officer; if the dossier moved on
        # meanwhile (withdrawn, stopped), the answer is recorded and the state kept.
        to_sub_state = self._s.sub_state
        if (self._s.status, self._s.sub_state) == (S.PROCESSING, T.IN_CONSULTATION) and not any(
            c.is_open for c in self._s.consultations
        ):
            to_sub_state = T.IN_APPRAISAL
        record = self._transition(
            EventType.CONSULTATION_EXPIRED if outcome.expired else EventType.CONSULTATION_ANSWERED,
            self._s.status,
            to_sub_state,
            ActionCommand(
                actor=actor,
                actor_unit=consultation.unit,
                reason=None if outcome.reply is None else outcome.reply.opinion,
            ),
            data={
                "unit": consultation.unit,
                "agrees": None if outcome.reply is None else outcome.reply.agrees,
            },
        )
        await self._persist(record)
