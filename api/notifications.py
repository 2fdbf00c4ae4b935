"""The notification outbox as supervisors see it: what was not delivered, and why; and a
way to try a message once more after its gateway is repaired."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query

from api.auth import CurrentUser
from api.deps import SessionDep
from api.routing import api_router
from db import outbox
from db.models import NotificationRow
from schemas.deadlines import NotificationItem, NotificationPage, NotificationStatus
from schemas.users import StaffUser
from services.access import province_wide
from services.errors import Conflict, Forbidden, NotFound

router = api_router(prefix="/notifications", tags=["notifications"])
# Ids are PostgreSQL bigints: a larger number names nothing and must not reach the driver.
NotificationId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _check(user: StaffUser) -> None:
    if not province_wide(user):
        raise Forbidden(
            "Chỉ giám sát viên và quản trị viên cấp tỉnh được xem hộp thư thông báo.",
            "Only province-wide supervisors and administrators see the notification outbox.",
        )


def _item(row: NotificationRow) -> NotificationItem:
    return NotificationItem.model_validate(row, from_attributes=True)


@router.get("", response_model=NotificationPage, summary="Notifications, newest first")
async def notifications(
    session: SessionDep,
    user: CurrentUser,
    status: NotificationStatus | None = None,
    dossier: Annotated[str | None, Query(max_length=64)] = None,
    after: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NotificationPage:
    _check(user)
    rows = await outbox.page(
        session,
        status=status,
        dossier_code=dossier,
        after=after,
        size=size,
    )
    return NotificationPage(
        items=[_item(row) for row in rows],
        next_after=rows[-1].id if len(rows) == size else None,
    )


@router.post(
    "/{notification_id}/retry",
    response_model=NotificationItem,
    summary="Try a failed or abandoned message once more, now",
)
async def retry(
    notification_id: NotificationId, session: SessionDep, user: CurrentUser
) -> NotificationItem:
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
