"""What the applicant is told at each turn of the dossier: composed from the event the
projection logs, in its transaction, so a message exists exactly when its event does and a
retried event (a worker restarted mid-way) queues nothing twice.

Received (the code, a link that opens the tracking page, the expected date), a supplement
asked for (what, by when), a fee due, an apology with the new date, a date moved by a
holiday change or a bulk suspension (the new date, why, and the decision behind it), the
result ready, the result returned, and an invitation to rate the service.
"""

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlencode

from sqlmodel.ext.asyncio.session import AsyncSession

from catalogue import MessageTemplate
from db.outbox import Queued
from db.reference import get_units, procedure_version
from schemas.dossier import Applicant, DossierEvent, DossierSnapshot, EventType
from schemas.messages import CitizenChannel, MessageKind
from schemas.records import RecordEvent
from schemas.tracking import tracking_secret
from worktime.calendar import when_en, when_vi

# A date moved by one of these is told to the applicant, with why.
_MOVES = (EventType.DEADLINE_RECOMPUTED, EventType.SUSPENDED)


def recipient(applicant: Applicant, channel: CitizenChannel) -> str | None:
    if channel is CitizenChannel.EMAIL:
        return applicant.email
    return applicant.phone


class CitizenMessages:
    def __init__(
        self,
        templates: Mapping[MessageKind, MessageTemplate],
        secret_key: str,
        public_url: str,
        timezone: tzinfo,
    ) -> None:
        self._templates = templates
        self._secret_key = secret_key
        self._site = public_url.rstrip("/")
        self._tz = timezone

    def kinds(self, event: DossierEvent) -> list[MessageKind]:
        """What an event tells the applicant, if anything."""
        match event.type:
            case EventType.ACCEPTED:
                return [MessageKind.RECEIPT]
            case EventType.SUPPLEMENT_REQUESTED:
                return [MessageKind.SUPPLEMENT]
            case EventType.PAYMENT_REQUESTED:
                return [MessageKind.PAYMENT_DUE]
            case EventType.EXTENDED:
                return [MessageKind.EXTENDED]
            case EventType.RESULT_READY:
                return [MessageKind.RESULT_READY]
            case EventType.RESULT_RETURNED:
                return [MessageKind.RESULT_RETURNED, MessageKind.RATING]
            case _ if event.type in _MOVES and _moved(event.data):
                return [MessageKind.DATE_MOVED]
        return []

    async def compose(self, session: AsyncSession, record: RecordEvent) -> list[Queued]:
        event, snapshot, dossier = record.event, record.snapshot, record.dossier
        kinds = self.kinds(event)
        if not kinds or snapshot.demo:
            return []
        applicant = dossier.applicant
        procedure = await procedure_version(
            session, dossier.procedure_code, dossier.procedure_version
        )
        units = await get_units(session, {dossier.returning_unit})
        values = self._values(record, snapshot)
        values["procedure"] = procedure.name_vi if procedure else dossier.procedure_code
        values["place"] = units[dossier.returning_unit].name_vi
        english = {
            **values,
            "procedure": procedure.name_en if procedure else dossier.procedure_code,
            **self._dates(event, snapshot, when_en),
        }
        vietnamese = {**values, **self._dates(event, snapshot, when_vi)}
        queued = []
        for kind in kinds:
            template = self._templates[kind]
            if kind is MessageKind.RATING:
                vietnamese["link"] = english["link"] = values["link"] + "#danh-gia"
            for channel in applicant.notify_by:
                to = recipient(applicant, channel)
                if to is None:
                    continue
                queued.append(
                    Queued(
                        dossier_code=dossier.code,
                        seq=event.seq,
                        kind=kind.outbox_kind,
                        channel=channel.value,
                        recipient=to,
                        message_vi=template.vi.format(**vietnamese),
                        message_en=template.en.format(**english),
                        language=applicant.language.value,
                    )
                )
        return queued

    def _values(self, record: RecordEvent, snapshot: DossierSnapshot) -> dict[str, Any]:
        event, code = record.event, record.dossier.code
        secret = tracking_secret(self._secret_key, code)
        data = event.data
        number = f" (số {snapshot.result.number})" if snapshot.result is not None else ""
        return {
            "code": code,
            "link": f"{self._site}/tra-cuu?{urlencode({'code': code, 'secret': secret})}",
            "missing": "; ".join(data.get("missing_documents", [])) or "—",
            "amount": f"{int(data.get('amount_vnd') or 0):,}".replace(",", "."),
            "description": data.get("description") or "—",
            "reason": event.reason or data.get("reason") or "—",
            "legal_reference": data.get("legal_reference") or "—",
            "number": number,
        }

    def _dates(self, event: DossierEvent, snapshot: DossierSnapshot, say: Any) -> dict[str, str]:
        def told(moment: datetime | str | None) -> str:
            if moment is None:
                return "—"
            if isinstance(moment, str):
                moment = datetime.fromisoformat(moment)
            return str(say(moment.astimezone(self._tz)))

        data = event.data
        return {
            "due": told(snapshot.due_at),
            "respond_by": told(snapshot.supplement_due_at),
            "new_due": told(data.get("new_due_at") or data.get("due_at") or snapshot.due_at),
            "previous_due": told(data.get("previous_due_at")),
        }


def _moved(data: Mapping[str, Any]) -> bool:
    return (
        data.get("previous_due_at") is not None
        and data.get("due_at") is not None
        and data["previous_due_at"] != data["due_at"]
    )
