"""The dossier's journal: every event reaches the audit log through here, in order.

It owns the dossier's short steps (the log and its projection, the clock plan, the forms),
how they run (local activities, retried until the database answers), and the sequence
number the log has confirmed, which the workflow's answers wait on.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

from activities.deadlines import DeadlineActivities
from activities.forms import FormActivities
from activities.projection import ProjectionActivities
from schemas.calendar import DueRequest, DueResult
from schemas.deadlines import ClockRequest, ClockResult, NotificationRequest
from schemas.dossier import DossierEvent, DossierFacts, DossierSnapshot, DossierStart, FormKind
from schemas.procedure import TimeLimit, TimeUnit
from schemas.records import FormIssue, FormRequest, RecordEvent, stamp_due
from workflows.patches import LOCAL_ACTIVITIES, ONE_STEP

# A database outage delays the projection; it must never lose an event, so retries go on.
_RETRY_FOREVER = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
)
_ACTIVITY_TIMEOUT = timedelta(seconds=60)
_FACTS = set(DossierFacts.model_fields)


class Journal:
    def __init__(self, dossier: DossierStart, snapshot: DossierSnapshot) -> None:
        self._dossier = dossier
        self._facts = DossierFacts.model_validate(dossier.model_dump(include=_FACTS))
        self._s = snapshot
        # The last sequence number the audit log holds.
        self.persisted_seq = 0
        self._lock = asyncio.Lock()

    async def persist(
        self,
        event: DossierEvent,
        notification: NotificationRequest | None = None,
        *,
        replan: ClockRequest | None = None,
        form: FormIssue | None = None,
    ) -> ClockResult | None:
        """Log the event; the same step plans the dates again (`replan`, answered with the
        plan) and issues a form where asked."""
        # FIFO lock: events reach the log in sequence order. The snapshot is taken when the
        # lock is ours, so the projection gets everything decided up to now.
        async with self._lock:
            record = RecordEvent(
                dossier=self._facts,
                snapshot=self._s.model_copy(deep=True),
                event=event,
                notification=notification,
                replan=replan,
                form=form,
            )
            planned: ClockResult | None = await self.activity(
                ProjectionActivities.record_event, record
            )
            self.persisted_seq = event.seq
            return planned

    async def record(
        self,
        event: DossierEvent,
        *,
        clocks: ClockRequest | None,
        take_plan: Callable[[ClockResult], None],
        form: FormKind | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Log an event that may move the dates (`clocks`: what they are planned from; the
        plan goes to `take_plan`, and an event whose data names `due_at` carries the new
        date) and issue the official `form` it calls for, with its `details`."""
        if workflow.patched(ONE_STEP):
            issue = None
            if form is not None:
                issue = FormIssue(form=form, dossier=self._dossier, details=details or {})
            planned = await self.persist(event, replan=clocks, form=issue)
            if planned is not None:
                take_plan(planned)
            return
        # Dossiers from before ONE_STEP: plan, log and issue in three steps.
        if clocks is not None:
            take_plan(await self.plan(clocks))
            stamp_due(event, self._s)
        await self.persist(event)
        if form is not None:
            await self._issue(form, event, details or {})

    async def plan(self, clocks: ClockRequest) -> ClockResult:
        """Every date of the dossier, planned from its facts in a step of its own."""
        result: ClockResult = await self.activity(DeadlineActivities.plan_clocks, clocks)
        return result

    async def working_days_from(self, start: datetime, days: float) -> DueResult:
        request = DueRequest(
            start=start, time_limit=TimeLimit(value=days, unit=TimeUnit.WORKING_DAYS)
        )
        result: DueResult = await self.activity(DeadlineActivities.compute_due, request)
        return result

    async def _issue(self, form: FormKind, event: DossierEvent, details: dict[str, Any]) -> None:
        request = FormRequest(
            form=form,
            dossier=self._dossier,
            snapshot=self._s.model_copy(deep=True),
            event=event,
            details=details,
        )
        await self.activity(FormActivities.render_form, request)

    async def activity(self, method: Any, argument: Any) -> Any:
        """Run one of the dossier's own short steps: the log, the clocks, the forms.

        They run as local activities, inside the worker's workflow task: one marker in
        history instead of three events and two trips through the server's task queues,
        which was most of the server's work per action (bench/README). Dossiers started
        before that change carry no patch marker and replay on regular activities.
        """
        if workflow.patched(LOCAL_ACTIVITIES):
            return await workflow.execute_local_activity_method(
                method,
                argument,
                start_to_close_timeout=_ACTIVITY_TIMEOUT,
                retry_policy=_RETRY_FOREVER,
            )
        return await self.remote_activity(method, argument)

    async def remote_activity(self, method: Any, argument: Any) -> Any:
        return await workflow.execute_activity_method(
            method,
            argument,
            start_to_close_timeout=_ACTIVITY_TIMEOUT,
            retry_policy=_RETRY_FOREVER,
        )
