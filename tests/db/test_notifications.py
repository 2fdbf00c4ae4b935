"""The notification outbox on PostgreSQL: a retried activity never notifies anyone twice."""

import uuid

import pytest
from sqlmodel import col, select

from activities.notifications import NotificationActivities
from db.models import NotificationRow
from db.session import SessionMaker
from schemas.deadlines import NotificationRequest


class Gateway:
    """A sender whose gateway refuses one recipient until it is repaired."""

    channel = "sms"

    def __init__(self, refuses: str) -> None:
        self.refuses: str | None = refuses
        self.delivered: list[str] = []

    async def send(self, recipient: str, message_vi: str, message_en: str) -> None:
        if recipient == self.refuses:
            raise ConnectionError("gateway unavailable")
        self.delivered.append(recipient)


def _request(code: str) -> NotificationRequest:
    return NotificationRequest(
        dossier_code=code,
        seq=7,
        kind="deadline_breached",
        recipients=["officer@so-tu-phap", "leader@so-tu-phap", "supervisor@province"],
        message_vi=f"Hồ sơ {code}: quá hạn giải quyết.",
        message_en=f"Dossier {code}: deadline breached.",
    )


async def _outbox(sessionmaker: SessionMaker, code: str) -> dict[str, tuple[str, int]]:
    async with sessionmaker() as session:
        rows = await session.exec(
            select(NotificationRow).where(col(NotificationRow.dossier_code) == code)
        )
        return {row.recipient: (row.status, row.attempts) for row in rows}


async def test_a_failed_send_is_retried_without_sending_twice(
    sessionmaker: SessionMaker,
) -> None:
    code = f"T-{uuid.uuid4().hex[:10]}"
    gateway = Gateway(refuses="leader@so-tu-phap")
    activities = NotificationActivities(sessionmaker, gateway)

    with pytest.raises(ConnectionError):
        await activities.notify(_request(code))

    assert gateway.delivered == ["officer@so-tu-phap"]
    assert await _outbox(sessionmaker, code) == {
        "officer@so-tu-phap": ("sent", 1),
        "leader@so-tu-phap": ("failed", 1),
        "supervisor@province": ("pending", 0),
    }

    gateway.refuses = None
    sent = await activities.notify(_request(code))

    assert sent == 2
    assert gateway.delivered == ["officer@so-tu-phap", "leader@so-tu-phap", "supervisor@province"]
    assert await _outbox(sessionmaker, code) == {
        "officer@so-tu-phap": ("sent", 1),
        "leader@so-tu-phap": ("sent", 2),
        "supervisor@province": ("sent", 1),
    }

    # A third run (the activity's result lost, say) finds nothing left to send.
    assert await activities.notify(_request(code)) == 0
    assert len(gateway.delivered) == 3
