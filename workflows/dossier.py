"""The life of one dossier, from submission to the returned result (Decree 118/2025).

Every clerk, officer, leader or citizen action arrives as an Update, declared with `@_action`
from its entry in `schemas.lifecycle.ACTIONS`: its name, its body, and a validator that asks
the lifecycle table, so an illegal action is rejected before it reaches history. A handler
changes state first, without awaiting, so a second action that arrives while the first is
being recorded is judged against the new state; dates and forms follow.

The handlers are grouped as the law groups them: intake at the counter, the steps at the
competent authority, ending early, and what reaches the dossier from outside. Their
mechanics belong to two collaborators: the `Journal` (the audit log, the dossier's
activities, the confirmed sequence) and the `DeadlineWatcher` (the one timer, the dates it
follows); the way through the procedure's process is `workflows.route`.
"""

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from activities.notifications import NotificationActivities
from activities.results import ResultActivities
from schemas.actions import (
    Acceptance,
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
    ReturnMethod,
    SupplementRequest,
    SupplementSubmission,
    VerificationRequest,
)
from schemas.calendar import CalendarChange
from schemas.deadlines import Suspension
from schemas.dossier import (
    ActionAnswer,
    Alarm,
    Consultation,
    DossierEvent,
    DossierSnapshot,
    DossierStart,
    DossierView,
    EventType,
    ExtensionDraft,
    FormKind,
    Handover,
    Pause,
    PauseReason,
    SupplementOrigin,
)
from schemas.escalation import RungAction
from schemas.lifecycle import (
    ACTIONS,
    ILLEGAL_ACTION,
    Action,
    LifecycleState,
    allowed_actions,
    fee_awaited,
    refusal,
    unreasoned_repeat,
)
from schemas.records import SigningRequest
from schemas.results import SIGNING_REFUSED, SignedResult, SigningFailure
from schemas.status import Channel
from schemas.status import DossierStatus as S
from schemas.status import SubState as T
from workflows.consultation import (
    ConsultationOutcome,
    ConsultationReply,
    ConsultationTask,
    ConsultationWorkflow,
)
from workflows.deadlines import ALARM_EVENTS, DeadlineWatcher, alarm_notification
from workflows.journal import Journal
from workflows.patches import LOG_EVERY_DATE, OUTBOX, SIGNED_RESULTS
from workflows.route import first_authority_step, next_route_step, route_unit

__all__ = ["DossierWorkflow"]

SYSTEM = ActionCommand(actor="system")
Body = TypeVar("Body", bound=ActionCommand)
Handler = Callable[["DossierWorkflow", Body], Awaitable[ActionAnswer]]
Update = workflow.UpdateMethodMultiParam[["DossierWorkflow", Body], ActionAnswer]
# Typesetting and two signatures take a second or two; a token that does not answer in this
# long is as good as absent. Anything but a refusal (the database away, a worker gone) is
# tried again: the step finds what an earlier try stored, so no result is signed twice.
_SIGNING_TIMEOUT = timedelta(minutes=2)
_SIGNING_HEARTBEAT = timedelta(seconds=20)
_SIGNING_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=[SIGNING_REFUSED],
)


def _checked(command: Acceptance | SupplementRequest) -> dict[str, Any]:
    """The counter's check as the log keeps it: every mark, and why a wanting mandatory
    paper did not stop the acceptance."""
    data: dict[str, Any] = {}
    if command.checklist:
        data["checklist"] = [mark.model_dump(mode="json") for mark in command.checklist]
    if isinstance(command, Acceptance) and command.override_reason:
        data["override_reason"] = command.override_reason
    return data


def _action(
    kind: Action, *, also: Callable[["DossierWorkflow", Any], None] | None = None
) -> Callable[[Handler[Body]], Update[Body]]:
    """Declare the workflow's Update for an action of `ACTIONS`: named as the action, taking
    the body the action declares, validated by the lifecycle table (and by `also`, a rule
    that looks further into the dossier)."""

    def declare(handler: Handler[Body]) -> Update[Body]:
        body = ACTIONS[kind].body
        command = list(inspect.signature(handler).parameters.values())[1]
        if command.annotation is not body:
            raise TypeError(f"the Update for {kind} must take {body.__name__}, as ACTIONS declares")
        update = workflow.update(name=kind.value)(handler)

        def validate(dossier: "DossierWorkflow", command: Body) -> None:
            dossier._require(kind, command)
            if also is not None:
                also(dossier, command)

        # Temporal holds a validator to its Update's parameters, annotations included.
        validate.__signature__ = inspect.signature(handler)  # type: ignore[attr-defined]
        update.validator(validate)
        # The SDK types an async handler's update by its coroutine; callers await its answer.
        return cast(Update[Body], update)

    return declare


# Outside the SDK's sandbox: it re-ran this module for every dossier the worker loaded, and
# guarded only this module's own code. tests/workflows/test_determinism.py guards every
# module a workflow runs, and the replay tests guard the histories.
@workflow.defn(sandboxed=False)
class DossierWorkflow:
    @workflow.init
    def __init__(self, start: DossierStart) -> None:
        self._dossier = start
        self._s = DossierSnapshot(
            status=S.NEW, sub_state=T.AWAITING_RECEIPT, holder_unit=start.receiving_unit
        )
        self._journal = Journal(start, self._s)
        self._deadlines = DeadlineWatcher(start, self._s, self._journal)
        self._intake_seq = 1
        self._consultation_tasks: list[asyncio.Task[None]] = []
        self._consultation_children: dict[
            str, workflow.ChildWorkflowHandle[Any, ConsultationOutcome]
        ] = {}

    @workflow.run
    async def run(self, start: DossierStart) -> DossierView:
        self._deadlines.enter_step("intake")
        submitted = self._transition(
            EventType.SUBMITTED,
            S.NEW,
            T.AWAITING_RECEIPT,
            ActionCommand(
                actor=start.submitted_by, actor_unit=start.receiving_unit, reason=start.note
            ),
            data={"channel": int(start.channel)},
        )
        # Asked before the submission is confirmed, so no acceptance can come between.
        fee = self._fee_at_submission()
        self._intake_seq = self._s.last_seq
        await self._journal.persist(submitted)
        if fee is not None:
            await self._journal.persist(fee)
        await self._deadlines.run(self._on_deadline)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view()

    def _fee_at_submission(self) -> DossierEvent | None:
        """The procedure's fee, asked for with the submission: the applicant pays it online
        or at the counter (or is exempted) before the counter accepts the dossier. Its
        clock has not started, so nothing pauses."""
        procedure = self._dossier.procedure
        if not procedure.fee_at_submission or procedure.fee_vnd == 0:
            return None
        amount_vnd = procedure.fee_vnd
        self._s.payment_amount_vnd = amount_vnd
        return self._transition(
            EventType.PAYMENT_REQUESTED,
            S.NEW,
            T.AWAITING_RECEIPT,
            SYSTEM,
            data={
                "amount_vnd": amount_vnd,
                "description": "Phí, lệ phí nộp khi nộp hồ sơ",
                "at_submission": True,
            },
        )

    @workflow.update
    async def registered(self) -> ActionAnswer:
        """Answers once the submission is in the audit log: the API's update-with-start."""
        # The submission and, where charged then, the fee it asks for.
        await workflow.wait_condition(lambda: self._journal.persisted_seq >= self._intake_seq)
        return self._answer()

    @workflow.query
    def view(self) -> DossierView:
        return self._view()

    # --- Intake at the one-stop counter (art. 15) ------------------------------------------

    @_action(Action.ACCEPT)
    async def accept(self, command: Acceptance) -> ActionAnswer:
        self._s.accepted_at = self._now()
        self._s.digitised = command.digitised or self._dossier.channel is Channel.ONLINE
        event = self._transition(
            EventType.ACCEPTED,
            S.ACCEPTED,
            T.AWAITING_TRANSFER,
            command,
            # Filled in with the date the acceptance sets.
            data={"digitised": self._s.digitised, "due_at": None, **_checked(command)},
        )
        await self._record(event, replan=True, form=FormKind.RECEIPT)
        return self._answer()

    @_action(Action.REQUEST_SUPPLEMENT)
    async def request_supplement(self, command: SupplementRequest) -> ActionAnswer:
        event = self._ask_for_supplement(
            command,
            command.missing_documents,
            origin=SupplementOrigin.INTAKE,
            data=_checked(command),
        )
        await self._deadlines.set_supplement_deadline(event, command.respond_within_days)
        await self._record(
            event,
            form=FormKind.SUPPLEMENT_REQUEST,
            details={"missing_documents": command.missing_documents},
        )
        return self._answer()

    @_action(Action.SUBMIT_SUPPLEMENT)
    async def submit_supplement(self, command: SupplementSubmission) -> ActionAnswer:
        data: dict[str, Any] = {"documents": command.documents}
        if command.attached:
            data["attached"] = [ref.model_dump(mode="json") for ref in command.attached]
        self._s.supplement_due_at = None
        at_authority = self._s.supplement_origin == SupplementOrigin.APPRAISAL
        if at_authority:
            # Back to the officer at the competent authority; the clock runs again.
            self._s.pauses[-1].ended_at = self._now()
            event = self._transition(
                EventType.SUPPLEMENT_SUBMITTED,
                S.PROCESSING,
                T.IN_APPRAISAL,
                command,
                data=data,
                handover_to=self._dossier.competent_authority,
            )
        else:
            event = self._transition(
                EventType.SUPPLEMENT_SUBMITTED, S.NEW, T.AWAITING_RECEIPT, command, data=data
            )
        await self._record(event, replan=at_authority)
        return self._answer()

    @_action(Action.REFUSE)
    async def refuse(self, command: ReasonedCommand) -> ActionAnswer:
        self._s.closed_at = self._now()
        event = self._transition(EventType.REFUSED, S.REFUSED, T.CLOSED, command)
        await self._record(event, form=FormKind.REFUSAL)
        return self._answer()

    @_action(Action.TRANSFER)
    async def transfer(self, command: ActionCommand) -> ActionAnswer:
        event = self._transition(
            EventType.TRANSFERRED,
            S.PROCESSING,
            T.AWAITING_ASSIGNMENT,
            command,
            handover_to=self._dossier.competent_authority,
        )
        self._s.step_index = first_authority_step(self._dossier.procedure)
        self._deadlines.enter_step("processing")
        await self._record(event, replan=True)
        return self._answer()

    # --- At the competent authority (art. 16–18) ---------------------------------------

    @_action(Action.ASSIGN)
    async def assign(self, command: Assignment) -> ActionAnswer:
        return await self._give_to(command.officer, command, {"officer": command.officer})

    @_action(Action.CLAIM)
    async def claim(self, command: ActionCommand) -> ActionAnswer:
        """An officer takes an unassigned dossier from the unit's queue."""
        return await self._give_to(
            command.actor, command, {"officer": command.actor, "claimed": True}
        )

    async def _give_to(
        self, officer: str, command: ActionCommand, data: dict[str, Any]
    ) -> ActionAnswer:
        self._s.assignee = officer
        event = self._transition(
            EventType.ASSIGNED, S.PROCESSING, T.IN_APPRAISAL, command, data=data
        )
        await self._journal.persist(event)
        return self._answer()

    def _not_assigned_already(self, command: Reassignment) -> None:
        if command.officer == self._s.assignee:
            self._reject(
                f"Hồ sơ đã được giao cho «{command.officer}».",
                f"The dossier is already assigned to '{command.officer}'.",
            )

    @_action(Action.REASSIGN, also=_not_assigned_already)
    async def reassign(self, command: Reassignment) -> ActionAnswer:
        previous, self._s.assignee = self._s.assignee, command.officer
        event = self._transition(
            EventType.REASSIGNED,
            self._s.status,
            self._s.sub_state,
            command,
            data={"officer": command.officer, "from": previous},
        )
        await self._journal.persist(event)
        return self._answer()

    @_action(Action.APPRAISE)
    async def appraise(self, command: Appraisal) -> ActionAnswer:
        data = {"result": command.result.value, "findings": command.findings}
        if command.result is AppraisalResult.SUFFICIENT:
            event = self._transition(
                EventType.APPRAISED, S.PROCESSING, T.AWAITING_SIGNATURE, command, data=data
            )
            await self._journal.persist(event)
            return self._answer()
        # Insufficient: back to the one-stop with a Form 02; the legal clock stops.
        self._s.pauses.append(Pause(reason=PauseReason.SUPPLEMENT, started_at=self._now()))
        event = self._ask_for_supplement(
            command, command.missing_documents, origin=SupplementOrigin.APPRAISAL, data=data
        )
        await self._deadlines.set_supplement_deadline(event, command.respond_within_days)
        await self._record(
            event,
            replan=True,
            form=FormKind.SUPPLEMENT_REQUEST,
            details={"missing_documents": command.missing_documents},
        )
        return self._answer()

    def _asks_each_agency_once(self, command: ConsultationRequest) -> None:
        units = [ask.unit for ask in command.agencies]
        if len(set(units)) != len(units) or self._dossier.competent_authority in units:
            self._reject(
                "Mỗi cơ quan chỉ được hỏi một lần và không phải cơ quan đang giải quyết.",
                "Each agency is asked once, and not the deciding authority itself.",
            )

    @_action(Action.CONSULT, also=_asks_each_agency_once)
    async def consult(self, command: ConsultationRequest) -> ActionAnswer:
        event = self._transition(
            EventType.CONSULTATION_REQUESTED,
            S.PROCESSING,
            T.IN_CONSULTATION,
            command,
            data={"agencies": [a.model_dump(mode="json") for a in command.agencies]},
        )
        for ask in command.agencies:
            due = await self._journal.working_days_from(self._now(), ask.respond_within_days)
            self._s.consultations.append(
                Consultation(
                    unit=ask.unit,
                    question=ask.question,
                    requested_at=self._now(),
                    due_at=due.due_at,
                )
            )
        await self._journal.persist(event)
        self._start_consultations(len(command.agencies))
        return self._answer()

    def _awaits_the_unit(self, command: ConsultationAnswer) -> None:
        if self._open_consultation(command.unit) is None:
            self._reject(
                f"Không có yêu cầu xin ý kiến nào đang chờ «{command.unit}» trả lời.",
                f"No open consultation awaits an answer from '{command.unit}'.",
            )

    @_action(Action.ANSWER_CONSULTATION, also=_awaits_the_unit)
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
            lambda: not consultation.is_open and self._journal.persisted_seq >= self._s.last_seq
        )
        return self._answer()

    @_action(Action.FORWARD)
    async def forward(self, command: ActionCommand) -> ActionAnswer:
        """Hand the dossier to the next step's unit (commune ↔ province, tax…)."""
        steps = self._dossier.procedure.steps
        index = next_route_step(self._dossier, self._s.step_index)
        assert index is not None, "checked by the validator"
        step, unit = steps[index], route_unit(self._dossier, steps[index])
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
        self._deadlines.enter_step(step.name_vi, step.budget_working_days if step.counts else None)
        await self._record(event, replan=True)
        return self._answer()

    @_action(Action.START_VERIFICATION)
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

    @_action(Action.END_VERIFICATION)
    async def end_verification(self, command: ActionCommand) -> ActionAnswer:
        self._s.pauses[-1].ended_at = self._now()
        event = self._transition(
            EventType.VERIFICATION_ENDED, S.PROCESSING, T.IN_APPRAISAL, command
        )
        await self._record(event, replan=True)
        return self._answer()

    @_action(Action.REQUEST_PAYMENT)
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

    @_action(Action.RECORD_PAYMENT)
    async def record_payment(self, command: PaymentRecord) -> ActionAnswer:
        at_intake = self._s.status is S.NEW
        if self._s.is_paused:
            self._s.pauses[-1].ended_at = self._now()
        self._s.paid_at, self._s.payment_method = self._now(), command.method
        event = self._transition(
            EventType.PAYMENT_RECORDED,
            *((S.NEW, T.AWAITING_RECEIPT) if at_intake else (S.PROCESSING, T.AWAITING_SIGNATURE)),
            command,
            data={"method": command.method.value, "reference": command.reference},
        )
        await self._record(event, replan=not at_intake)
        return self._answer()

    @_action(Action.APPROVE)
    async def approve(self, command: Approval) -> ActionAnswer:
        """The leader decides, and the result is rendered and signed on the token in one
        durable step; a refused signature leaves the dossier awaiting it, with the reason."""
        signed = None
        if workflow.patched(SIGNED_RESULTS):
            signed = await self._signed_result(command)
        self._s.decision, self._s.decision_number = command.decision, command.decision_number
        self._s.decided_at = self._now()
        data: dict[str, Any] = {
            "decision": command.decision.value,
            "decision_number": command.decision_number,
        }
        if signed is not None:
            self._s.result = signed
            data["result"] = signed.model_dump(mode="json")
        event = self._transition(EventType.APPROVED, S.PROCESSING, T.SIGNED, command, data=data)
        await self._journal.persist(event)
        return self._answer()

    async def _signed_result(self, command: Approval) -> SignedResult:
        self._s.signing = True
        request = SigningRequest(
            attempt=str(workflow.uuid4()),
            dossier=self._dossier,
            decision=command.decision,
            decision_number=command.decision_number,
            reason=command.reason,
            leader=command.actor,
            leader_unit=command.actor_unit or self._s.holder_unit,
            decided_at=self._now(),
        )
        try:
            signed: SignedResult = await workflow.execute_activity_method(
                ResultActivities.sign_result,
                request,
                start_to_close_timeout=_SIGNING_TIMEOUT,
                # A worker killed mid-signature is noticed within this, and the step retried.
                heartbeat_timeout=_SIGNING_HEARTBEAT,
                retry_policy=_SIGNING_RETRY,
            )
        except ActivityError as error:
            self._s.signing = False
            cause = error.cause
            if not (isinstance(cause, ApplicationError) and cause.type == SIGNING_REFUSED):
                raise
            details = cause.details[0] if cause.details else {}
            self._s.signing_failure = SigningFailure(
                reason=details.get("reason", "unknown"),
                message_vi=cause.message,
                message_en=details.get("message_en", cause.message),
                at=self._now(),
            )
            event = self._transition(
                EventType.SIGNING_FAILED,
                self._s.status,
                self._s.sub_state,
                command,
                data=self._s.signing_failure.model_dump(mode="json", exclude={"at"}),
            )
            await self._journal.persist(event)
            raise ApplicationError(
                f"Chưa ký được kết quả: {cause.message}",
                {"reason": self._s.signing_failure.reason, "message_en": details.get("message_en")},
                type=SIGNING_REFUSED,
                non_retryable=True,
            ) from None
        self._s.signing, self._s.signing_failure = False, None
        return signed

    def _moves_the_date_later(self, command: ExtensionDraftCommand) -> None:
        if self._s.due_at is not None and command.new_due_at <= self._s.due_at:
            self._reject(
                "Ngày hẹn mới phải sau ngày hẹn hiện tại.",
                "The new due date must be later than the current one.",
            )

    @_action(Action.DRAFT_EXTENSION, also=_moves_the_date_later)
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
        await self._journal.persist(event)
        return self._answer()

    @_action(Action.APPROVE_EXTENSION)
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

    # --- The result's way back to the counter (art. 19) -------------------------------

    @_action(Action.MARK_RESULT_READY)
    async def mark_result_ready(self, command: ActionCommand) -> ActionAnswer:
        event = self._transition(
            EventType.RESULT_READY,
            S.RESULT_READY,
            T.AWAITING_RETURN,
            command,
            handover_to=self._dossier.returning_unit,
        )
        self._deadlines.enter_step("return")
        await self._journal.persist(event)
        return self._answer()

    def _electronic_needs_signed_result(self, command: ResultReturn) -> None:
        # Decree 45/2020: only a digitally signed result is worth the paper it replaces.
        if command.method is ReturnMethod.ELECTRONIC and self._s.result is None:
            self._reject(
                "Không thể trả kết quả điện tử: hồ sơ chưa có kết quả được ký số.",
                "Cannot return the result electronically: the dossier has no signed result.",
            )

    @_action(Action.RETURN_RESULT, also=_electronic_needs_signed_result)
    async def return_result(self, command: ResultReturn) -> ActionAnswer:
        self._s.result_method, self._s.closed_at = command.method, self._now()
        event = self._transition(
            EventType.RESULT_RETURNED,
            S.RESULT_RETURNED,
            T.CLOSED,
            command,
            data={"method": command.method.value, "recipient": command.recipient},
        )
        await self._journal.persist(event)
        return self._answer()

    # --- Ending early --------------------------------------------------------------------

    @_action(Action.WITHDRAW)
    async def withdraw(self, command: ReasonedCommand) -> ActionAnswer:
        self._s.withdrawn = True
        # The one-stop issues the stop notice (Form 05), so the dossier goes back there.
        event = self._transition(
            EventType.WITHDRAWAL_REQUESTED,
            S.WITHDRAWAL_REQUESTED,
            T.AWAITING_STOP_NOTICE,
            command,
            handover_to=self._dossier.receiving_unit,
        )
        await self._journal.persist(event)
        return self._answer()

    @_action(Action.STOP)
    async def stop(self, command: ReasonedCommand) -> ActionAnswer:
        self._s.closed_at = self._now()
        if self._s.is_paused:
            self._s.pauses[-1].ended_at = self._now()
        event = self._transition(EventType.STOPPED, S.STOPPED, T.CLOSED, command)
        await self._record(event, form=FormKind.STOP_NOTICE)
        return self._answer()

    # --- When a deadline comes --------------------------------------------------------

    async def _on_deadline(self, alarm: Alarm | None) -> None:
        if alarm is None:
            await self._supplement_expired()
        else:
            await self._fire(alarm)

    async def _fire(self, alarm: Alarm) -> None:
        self._s.fired_rungs.append(alarm.rung_id)
        action = alarm.action
        if action is RungAction.REQUIRE_APOLOGY:
            self._s.apology_required = True
        event = self._transition(
            ALARM_EVENTS[action],
            self._s.status,
            self._s.sub_state,
            SYSTEM,
            data={
                "rung": alarm.rung_id,
                "action": alarm.action.value,
                "fire_at": alarm.fire_at.isoformat(),
                "due_at": None if self._s.due_at is None else self._s.due_at.isoformat(),
            },
        )
        notification = alarm_notification(self._dossier, self._s, event, alarm)
        if workflow.patched(OUTBOX):
            await self._journal.persist(event, notification)
        else:
            await self._journal.persist(event)
            await self._journal.remote_activity(NotificationActivities.notify, notification)

    async def _supplement_expired(self) -> None:
        # An unanswered supplement request ends the dossier (Decree 118/2025 art. 16).
        self._s.closed_at = self._now()
        if self._s.is_paused:
            self._s.pauses[-1].ended_at = self._now()
        event = self._transition(
            EventType.SUPPLEMENT_EXPIRED,
            S.STOPPED,
            T.CLOSED,
            ActionCommand(actor="system", reason="Quá hạn nộp bổ sung hồ sơ"),
            data={
                "respond_by": None
                if self._s.supplement_due_at is None
                else self._s.supplement_due_at.isoformat()
            },
        )
        await self._record(event, form=FormKind.STOP_NOTICE)

    # --- From outside: the calendar, bulk decisions, the demo clock --------------------

    @workflow.signal
    def demo_clock(self, at: datetime | None) -> None:
        """Demo dossiers only: move the back-dated clock forward to `at` (None: to now).

        Alarms whose time the clock passes fire at once, as they would have.
        """
        if not self._s.demo:
            workflow.logger.warning(
                "demo_clock ignored: %s is not a demo dossier", self._dossier.code
            )
            return
        self._deadlines.move_demo_clock(at)

    @workflow.signal
    async def calendar_changed(self, change: CalendarChange | None = None) -> None:
        """An administrator changed the calendar: recompute every date and move the timer.
        The change (its day, why, the decision behind it) is logged with the dates it moved,
        and the applicant told."""
        if self._s.status.is_terminal:
            return
        command, data = SYSTEM, {}
        if change is not None:
            command = ActionCommand(actor=change.created_by or "system", reason=change.reason)
            data = {
                "day": change.day.isoformat(),
                "override": change.kind.value if change.kind else None,
                "legal_reference": change.legal_reference,
            }
        await self._replan_and_record(EventType.DEADLINE_RECOMPUTED, command, data)

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

    async def _replan_and_record(
        self,
        event_type: EventType,
        command: ActionCommand,
        data: dict[str, Any],
        *,
        always: bool = False,
    ) -> None:
        """Re-plan after an outside change; record it when a date moved (or always)."""
        before = self._s.due_at
        dates_before = (self._s.due_at, self._s.legal_due_at, self._s.step_due_at)
        await self._deadlines.replan()
        if workflow.patched(LOG_EVERY_DATE):
            moved = dates_before != (self._s.due_at, self._s.legal_due_at, self._s.step_due_at)
        else:
            moved = self._s.due_at != before
        if not moved and not always:
            return
        legal_before = dates_before[1]
        event = self._transition(
            event_type,
            self._s.status,
            self._s.sub_state,
            command,
            data={
                **data,
                "previous_due_at": None if before is None else before.isoformat(),
                "due_at": None if self._s.due_at is None else self._s.due_at.isoformat(),
                "previous_legal_due_at": None if legal_before is None else legal_before.isoformat(),
                "legal_due_at": None
                if self._s.legal_due_at is None
                else self._s.legal_due_at.isoformat(),
            },
        )
        await self._journal.persist(event)

    # --- What every step shares: the state change, the rules, the answer ----------------

    def _now(self) -> datetime:
        return self._deadlines.now()

    def _transition(
        self,
        event_type: EventType,
        to_status: S,
        sub_state: T,
        command: ActionCommand,
        *,
        data: Mapping[str, Any] | None = None,
        handover_to: str | None = None,
    ) -> DossierEvent:
        """Change state now, without awaiting: the next validator already sees it."""
        seq = self._s.last_seq + 1
        handover = None
        if handover_to is not None and handover_to != self._s.holder_unit:
            handover = Handover(from_unit=self._s.holder_unit, to_unit=handover_to)
            self._s.holder_unit = handover_to
        event = DossierEvent(
            dossier_code=self._dossier.code,
            seq=seq,
            type=event_type,
            at=self._now(),
            actor=command.actor,
            actor_unit=command.actor_unit or self._s.holder_unit,
            from_status=None if seq == 1 else self._s.status,
            to_status=to_status,
            sub_state=sub_state,
            reason=command.reason,
            data=dict(data or {}),
            handover=handover,
        )
        self._s.status, self._s.sub_state, self._s.last_seq = to_status, sub_state, seq
        if to_status.ends_processing and self._s.finished_at is None:
            self._s.finished_at = self._now()
        self._deadlines.poke()
        return event

    async def _record(
        self,
        event: DossierEvent,
        *,
        replan: bool = False,
        form: FormKind | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Log an event; `replan`: its dates are planned again in the same step."""
        await self._journal.record(
            event,
            clocks=self._deadlines.clocks() if replan else None,
            take_plan=self._deadlines.take,
            form=form,
            details=details,
        )

    def _ask_for_supplement(
        self,
        command: ActionCommand,
        missing: list[str],
        *,
        origin: SupplementOrigin,
        data: Mapping[str, Any] | None = None,
    ) -> DossierEvent:
        self._s.supplement_requests += 1
        self._s.late_by_rule = self._s.late_by_rule or self._s.supplement_requests > 1
        self._s.supplement_origin = origin
        self._s.supplement_due_at = None
        return self._transition(
            EventType.SUPPLEMENT_REQUESTED,
            S.SUPPLEMENT_REQUESTED,
            T.AWAITING_SUPPLEMENT,
            command,
            data={
                **(data or {}),
                "missing_documents": missing,
                "origin": origin.value,
                "request_number": self._s.supplement_requests,
                "late_by_rule": self._s.late_by_rule,
            },
            handover_to=self._dossier.receiving_unit,
        )

    def _lifecycle(self) -> LifecycleState:
        return LifecycleState(
            status=self._s.status,
            sub_state=self._s.sub_state,
            decision_issued=self._s.decision is not None,
            extension_drafted=self._s.extension_draft is not None,
            verification_pauses_clock="external_verification"
            in self._dossier.procedure.pauses_allowed,
            has_next_step=next_route_step(self._dossier, self._s.step_index) is not None,
            supplement_requests=self._s.supplement_requests,
            fee_paid=self._s.paid_at is not None,
            fee_due=fee_awaited(
                self._s.status, self._s.payment_amount_vnd, self._s.paid_at is not None
            ),
            signing=self._s.signing,
        )

    def _require(self, action: Action, command: ActionCommand) -> None:
        state = self._lifecycle()
        why = refusal(action, state)
        if why is not None:
            raise ApplicationError(
                why.message_vi, why.model_dump(mode="json"), type=ILLEGAL_ACTION, non_retryable=True
            )
        repeat = unreasoned_repeat(action, state, command)
        if repeat is not None:
            self._reject(*repeat)

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

    def _answer(self) -> ActionAnswer:
        return ActionAnswer(
            code=self._dossier.code,
            status=self._s.status,
            sub_state=self._s.sub_state,
            last_seq=self._s.last_seq,
            allowed_actions=allowed_actions(self._lifecycle()),
        )

    def _view(self) -> DossierView:
        return DossierView(
            code=self._dossier.code,
            snapshot=self._s,
            allowed_actions=allowed_actions(self._lifecycle()),
        )

    # --- Consultations with other agencies, each a child workflow ----------------------

    def _open_consultation(self, unit: str) -> Consultation | None:
        return next((c for c in self._s.consultations if c.unit == unit and c.is_open), None)

    def _consultation_id(self, consultation: Consultation) -> str:
        number = self._s.consultations.index(consultation) + 1
        return f"{self._dossier.code}/consultation-{number}-{consultation.unit}"

    def _start_consultations(self, count: int) -> None:
        for consultation in self._s.consultations[-count:]:
            # Background tasks are deterministic in workflow code; each records its outcome.
            self._consultation_tasks.append(
                asyncio.create_task(self._await_consultation(consultation))
            )

    async def _await_consultation(self, consultation: Consultation) -> None:
        child = await workflow.start_child_workflow(
            ConsultationWorkflow.run,
            ConsultationTask(
                dossier_code=self._dossier.code,
                unit=consultation.unit,
                question=consultation.question,
                due_at=consultation.due_at,
            ),
            id=self._consultation_id(consultation),
        )
        # An answer can only be signalled to a child the server has started.
        self._consultation_children[child.id] = child
        outcome: ConsultationOutcome = await child
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
        event = self._transition(
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
        await self._journal.persist(event)
