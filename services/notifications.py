"""The notification outbox as supervisors see it: what was not delivered, and why; and a
way to try a message once more after its gateway is repaired."""

from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db import outbox
from db.models import NotificationRow
from schemas.deadlines import NotificationItem, NotificationPage, NotificationStatus
from schemas.messages import CITIZEN_KIND, ApplicantMessage, CitizenChannel, MessageKind
from schemas.users import StaffUser
from services.access import province_wide
from services.errors import Conflict, Forbidden, NotFound


def _check(user: StaffUser) -> None:
    if not province_wide(user):
        raise Forbidden(
            "Chỉ giám sát viên và quản trị viên cấp tỉnh được xem hộp thư thông báo.",
            "Only province-wide supervisors and administrators see the notification outbox.",
        )


def _item(row: NotificationRow) -> NotificationItem:
    return NotificationItem.model_validate(row, from_attributes=True)


async def page(
    session: AsyncSession,
    user: StaffUser,
    status: NotificationStatus | None = None,
    dossier: str | None = None,
    after: int | None = None,
    size: int = 50,
) -> NotificationPage:
    _check(user)
    rows = await outbox.page(session, status=status, dossier_code=dossier, after=after, size=size)
    return NotificationPage(
        items=[_item(row) for row in rows],
        next_after=rows[-1].id if len(rows) == size else None,
    )


async def retry(session: AsyncSession, user: StaffUser, notification_id: int) -> NotificationItem:
    _check(user)
    found = await outbox.send_again(session, notification_id, datetime.now(UTC))
    if found is None:
        raise NotFound(
            f"Không có thông báo số {notification_id}.", f"No notification {notification_id}."
        )
    row, before = found
    if before == NotificationStatus.SENT:
        raise Conflict(
            f"Thông báo số {notification_id} đã được gửi; không gửi lại.",
            f"Notification {notification_id} was already sent; it is not sent again.",
            status=before,
        )
    if before == NotificationStatus.PENDING:
        # Possibly in a dispatcher's hands this very moment: a second try could send twice.
        raise Conflict(
            f"Thông báo số {notification_id} đang chờ gửi; không cần gửi lại.",
            f"Notification {notification_id} is already waiting to be sent.",
            status=before,
        )
    return _item(row)


async def applicant_messages(session: AsyncSession, code: str) -> list[ApplicantMessage]:
    """What the applicant of the dossier was told, in order, each with its delivery."""
    rows = await outbox.of_applicant(session, code)
    messages = []
    for row in rows:
        kind = MessageKind(row.kind.removeprefix(CITIZEN_KIND))
        assert row.id is not None
        messages.append(
            ApplicantMessage(
                id=row.id,
                seq=row.seq,
                kind=kind,
                kind_name_vi=kind.name_vi,
                kind_name_en=kind.name_en,
                channel=CitizenChannel(row.channel),
                recipient=row.recipient,
                text=row.message_en if row.language == "en" else row.message_vi,
                status=row.status,
                attempts=row.attempts,
                created_at=row.created_at,
                sent_at=row.sent_at,
                next_attempt_at=row.next_attempt_at,
                last_error=row.last_error,
            )
        )
    return messages
