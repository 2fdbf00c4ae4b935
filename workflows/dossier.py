"""The life of one dossier, from submission to the returned result (Decree 118/2025).

This module holds the workflow itself, the intake at the counter, the ways a dossier ends
early, and what reaches it from outside (calendar changes, bulk decisions); the steps at
the competent authority are in `workflows.authority`.

Every clerk, officer, leader or citizen action arrives as an Update. Its validator consults
the lifecycle table in `schemas.lifecycle`, so an illegal action is rejected before it
reaches history. A handler changes state first, without awaiting, so a second action that
arrives while the first is being recorded is judged against the new state; dates and forms
follow.
"""

from datetime import datetime, timedelta

from temporalio import workflow

from schemas.actions import (
    Acceptance,
    ActionCommand,
    ReasonedCommand,
    SupplementRequest,
    SupplementSubmission,
)
from schemas.deadlines import Suspension
from schemas.dossier import (
    ActionAnswer,
    DossierStart,
    DossierView,
    EventType,
    FormKind,
    Pause,
    PauseReason,
)
from schemas.lifecycle import Action
from schemas.status import Channel
from schemas.status import DossierStatus as S
from schemas.status import SubState as T
from workflows.authority import AuthoritySteps
from workflows.machinery import rule

__all__ = ["DossierWorkflow"]


# Outside the SDK's sandbox: it re-ran this module for every dossier the worker loaded, and
# guarded only this module's own code. tests/workflows/test_determinism.py guards every
# module a workflow runs, and the replay tests guard the histories.
@workflow.defn(sandboxed=False)
class DossierWorkflow(AuthoritySteps):
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
        return self._view()

    @workflow.update
    async def registered(self) -> ActionAnswer:
        """Answers once the submission is in the audit log: the API's update-with-start."""
        await workflow.wait_condition(lambda: self._persisted_seq >= 1)
        return self._answer()

    @workflow.query
    def view(self) -> DossierView:
        return self._view()

    # --- Intake at the one-stop counter ------------------------------------------------

    @workflow.update
    async def accept(self, command: Acceptance) -> ActionAnswer:
        self._s.accepted_at = self._now()
        self._s.digitised = command.digitised or self._dossier.channel is Channel.ONLINE
        event = self._transition(
            EventType.ACCEPTED,
            S.ACCEPTED,
            T.AWAITING_TRANSFER,
            command,
            # Filled in with the date the acceptance sets.
            data={"digitised": self._s.digitised, "due_at": None},
        )
        await self._record(event, replan=True, form=FormKind.RECEIPT)
        return self._answer()

    @workflow.update
    async def request_supplement(self, command: SupplementRequest) -> ActionAnswer:
        event = self._ask_for_supplement(command, command.missing_documents, origin="intake")
        await self._set_supplement_deadline(event, command.respond_within_days)
        await self._record(
            event,
            form=FormKind.SUPPLEMENT_REQUEST,
            details={"missing_documents": command.missing_documents},
        )
        return self._answer()

    @workflow.update
    async def submit_supplement(self, command: SupplementSubmission) -> ActionAnswer:
        data = {"documents": command.documents}
        self._s.supplement_due_at = None
        at_authority = self._s.supplement_origin == "appraisal"
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

    @workflow.update
    async def refuse(self, command: ReasonedCommand) -> ActionAnswer:
        self._s.closed_at = self._now()
        event = self._transition(EventType.REFUSED, S.REFUSED, T.CLOSED, command)
        await self._record(event, form=FormKind.REFUSAL)
        return self._answer()

    @workflow.update
    async def transfer(self, command: ActionCommand) -> ActionAnswer:
        event = self._transition(
            EventType.TRANSFERRED,
            S.PROCESSING,
            T.AWAITING_ASSIGNMENT,
            command,
            handover_to=self._dossier.competent_authority,
        )
        self._s.step_index = self._first_authority_step()
        self._enter_step("processing")
        await self._record(event, replan=True)
        return self._answer()

    # --- Ending early --------------------------------------------------------------------

    @workflow.update
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
        await self._persist(event)
        return self._answer()

    @workflow.update
    async def stop(self, command: ReasonedCommand) -> ActionAnswer:
        self._s.closed_at = self._now()
        if self._s.is_paused:
            self._s.pauses[-1].ended_at = self._now()
        event = self._transition(EventType.STOPPED, S.STOPPED, T.CLOSED, command)
        await self._record(event, form=FormKind.STOP_NOTICE)
        return self._answer()

    # --- From outside: the calendar and bulk decisions ---------------------------------

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
        offset = timedelta(0) if at is None else max(workflow.now() - at, timedelta(0))
        self._demo_offset = min(self._demo_offset, offset)
        self._wake = True

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

    # --- Validators: the lifecycle table --------------------------------------------------

    _v_accept = accept.validator(rule(Action.ACCEPT, accept))
    _v_request_supplement = request_supplement.validator(
        rule(Action.REQUEST_SUPPLEMENT, request_supplement)
    )
    _v_submit_supplement = submit_supplement.validator(
        rule(Action.SUBMIT_SUPPLEMENT, submit_supplement)
    )
    _v_refuse = refuse.validator(rule(Action.REFUSE, refuse))
    _v_transfer = transfer.validator(rule(Action.TRANSFER, transfer))
    _v_withdraw = withdraw.validator(rule(Action.WITHDRAW, withdraw))
    _v_stop = stop.validator(rule(Action.STOP, stop))
