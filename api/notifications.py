"""The notification outbox over HTTP, for province-wide supervisors (`services.notifications`)."""

from typing import Annotated

from fastapi import Query

from api.auth import CurrentUser
from api.deps import SessionDep
from api.routing import NotificationId, api_router
from schemas.deadlines import NotificationItem, NotificationPage, NotificationStatus
from services import notifications

router = api_router(prefix="/notifications", tags=["notifications"])


@router.get("", response_model=NotificationPage, summary="Notifications, newest first")
async def page(
    session: SessionDep,
    user: CurrentUser,
    status: NotificationStatus | None = None,
    dossier: Annotated[str | None, Query(max_length=64)] = None,
    after: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> NotificationPage:
    return await notifications.page(session, user, status, dossier, after, size)


@router.post(
    "/{notification_id}/retry",
    response_model=NotificationItem,
    summary="Try a failed or abandoned message once more, now",
)
async def retry(
    notification_id: NotificationId, session: SessionDep, user: CurrentUser
) -> NotificationItem:
    return await notifications.retry(session, user, notification_id)
