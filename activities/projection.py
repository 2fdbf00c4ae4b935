"""Writing the audit log and the dossier projection on behalf of the workflow."""

from collections.abc import Awaitable, Callable

from temporalio import activity

from activities.notifications import Dispatcher
from db.dossiers import append_event
from db.session import SessionMaker
from schemas.dossier import RecordEvent
from worktime.calendar import WorkingCalendar
from worktime.indicators import judge


class ProjectionActivities:
    def __init__(
        self,
        sessionmaker: SessionMaker,
        calendar: Callable[[], Awaitable[WorkingCalendar]],
        outbox: Dispatcher,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._outbox = outbox
        # A finished dossier is judged (early, on time, late) on today's calendar.
        self.calendar = calendar

    @activity.defn(name="record_dossier_event")
    async def record_event(self, record: RecordEvent) -> None:
        snapshot, event = record.snapshot, record.event
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
            await append_event(session, record, judgement)
            if notification is not None:
                # With the event, in its transaction: logged and queued, or neither.
                await self._outbox.queue(session, notification, snapshot.holder_unit)
        if notification is not None:
            self._outbox.wake()
