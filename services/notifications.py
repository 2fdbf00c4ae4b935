"""The notification outbox as supervisors see it: what was not delivered, and why; and a
way to try a message once more after its gateway is repaired."""

from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db import outbox
from db.models import NotificationRow
from schemas.deadlines import NotificationItem, NotificationPage, NotificationStatus
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
