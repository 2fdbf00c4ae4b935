"""Writing the audit log and the dossier projection on behalf of the workflow."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, tzinfo

from temporalio import activity

from activities.forms import FormActivities
from activities.messages import CitizenMessages
from activities.notifications import Dispatcher
from activities.portal import PortalRecords, PortalSync
from db import portal
from db.dossiers import append_event, store_form
from db.session import SessionMaker
from schemas.deadlines import ClockResult
from schemas.records import FormRequest, RecordEvent, stamp_due, take_plan
from worktime.calendar import WorkingCalendar
from worktime.clocks import plan
from worktime.indicators import judge


class ProjectionActivities:
    def __init__(
        self,
        sessionmaker: SessionMaker,
        calendar: Callable[[], Awaitable[WorkingCalendar]],
        outbox: Dispatcher,
        forms: FormActivities,
        timezone: tzinfo,
        messages: CitizenMessages | None = None,
        portal_records: PortalRecords | None = None,
        portal_sync: PortalSync | None = None,
    ) -> None:
        self._timezone = timezone
        self._messages = messages
        self._portal_records = portal_records
        self._portal_sync = portal_sync
        self._sessionmaker = sessionmaker
        self._outbox = outbox
        self._forms = forms
        # Dates are planned, and a finished dossier judged (early, on time, late), on
        # today's calendar.
        self.calendar = calendar

    @activity.defn(name="record_dossier_event")
    async def record_event(self, record: RecordEvent) -> ClockResult | None:
        """Log the event and move the projection; with it, in the same step, plan the
        dossier's dates again and issue its form where the record asks. Answers the plan."""
        snapshot, event = record.snapshot, record.event
        planned = None
        if record.replan is not None:
            planned = plan(await self.calendar(), record.replan)
            take_plan(snapshot, planned)
            stamp_due(event, snapshot)
        judgement = None
        # Judged once, on the event that ends processing; later events leave the verdict.
        finishing = event.to_status.ends_processing and not (
            event.from_status is not None and event.from_status.ends_processing
        )
        if finishing and snapshot.finished_at is not None:
            judgement = judge(
                await self.calendar(),
                status=int(snapshot.status),
                withdrawn=snapshot.withdrawn,
                late_by_rule=snapshot.late_by_rule,
                accepted_at=snapshot.accepted_at,
                finished_at=snapshot.finished_at,
                legal_due_at=snapshot.legal_due_at,
                paused_working_hours=snapshot.paused_working_hours,
            )
        notification = record.notification
        async with self._sessionmaker() as session, session.begin():
            await append_event(session, record, judgement, self._timezone)
            if record.form is not None:
                # Logged with its form, or neither.
                request = FormRequest(
                    form=record.form.form,
                    dossier=record.form.dossier,
                    snapshot=snapshot,
                    event=event,
                    details=record.form.details,
                )
                await store_form(session, await self._forms.compose(session, request))
            if notification is not None:
                # With the event, in its transaction: logged and queued, or neither.
                await self._outbox.queue(session, notification, snapshot.holder_unit)
            told = [] if self._messages is None else await self._messages.compose(session, record)
            await self._outbox.queue_citizen(session, told)
            synced = []
            if self._portal_records is not None:
                # The portal is told in the event's transaction: logged and queued, or neither.
                synced = await self._portal_records.compose(session, record)
                await portal.queue(session, synced, datetime.now(UTC))
        if notification is not None or told:
            self._outbox.wake()
        if synced and self._portal_sync is not None:
            self._portal_sync.wake()
        return planned
