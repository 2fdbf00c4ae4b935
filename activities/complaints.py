"""A complaint's alarms: the rung's people told through the outbox, as a dossier's are."""

from temporalio import activity

from activities.notifications import Dispatcher
from db.models import ComplaintRow
from db.session import SessionMaker
from schemas.complaints import ComplaintAlarm, ComplaintStatus
from schemas.deadlines import NotificationRequest
from schemas.lifecycle import Role


class ComplaintActivities:
    def __init__(self, sessionmaker: SessionMaker, outbox: Dispatcher) -> None:
        self._sessionmaker = sessionmaker
        self._outbox = outbox

    @activity.defn(name="complaint_alarm")
    async def alarm(self, alarm: ComplaintAlarm) -> int:
        """Queue the rung's messages (once: the outbox keys them by complaint and rung);
        nothing when the complaint was answered meanwhile. Answers how many were asked for."""
        async with self._sessionmaker() as session, session.begin():
            complaint = await session.get(ComplaintRow, alarm.code)
            if complaint is None or complaint.status != ComplaintStatus.OPEN:
                return 0
            # The province's supervisors are named by level, as a dossier's ladder names them.
            recipients = [
                f"{role.value}@{'province' if role is Role.SUPERVISOR else complaint.owner_unit}"
                for role in alarm.rung.notify
            ]
            request = NotificationRequest(
                dossier_code=alarm.code,
                seq=alarm.seq,
                kind=f"complaint.{alarm.rung.id}",
                recipients=recipients,
                message_vi=f"Phản ánh, kiến nghị {alarm.code} ({complaint.subject}): "
                f"{alarm.rung.label_vi}",
                message_en=f"Complaint {alarm.code} ({complaint.subject}): {alarm.rung.label_en}",
                due_at=alarm.due_at,
            )
            await self._outbox.queue(session, request, complaint.owner_unit)
        self._outbox.wake()
        return len(recipients)
