"""Writing the audit log and the dossier projection on behalf of the workflow."""

from temporalio import activity

from db.dossiers import append_event
from db.session import SessionMaker
from schemas.dossier import RecordEvent


class ProjectionActivities:
    def __init__(self, sessionmaker: SessionMaker) -> None:
        self._sessionmaker = sessionmaker

    @activity.defn(name="record_dossier_event")
    async def record_event(self, record: RecordEvent) -> None:
        async with self._sessionmaker() as session, session.begin():
            await append_event(session, record)
