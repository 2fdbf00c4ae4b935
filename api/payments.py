"""The payment gateway's server-to-server notification (IPN): it says an order was paid,
signed with the merchant's secret; the answer follows the gateway's contract."""

from fastapi import Request

from api.deps import ResourcesDep, SessionDep
from api.routing import api_router
from services import payments

router = api_router(prefix="/payments", tags=["payments"])


@router.get(
    "/ipn",
    summary="The gateway's notification that an order was paid (signed; answered RspCode)",
)
async def notification(
    request: Request, session: SessionDep, resources: ResourcesDep
) -> dict[str, str]:
    fields = dict(request.query_params)
    return await payments.notified(session, resources.temporal, resources.settings, fields)
