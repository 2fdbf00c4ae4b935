"""Fees paid online: the order the citizen is sent to the gateway with, the gateway's signed
notification that records the payment (once, whatever it repeats; a forged or altered one
changes nothing and is logged), the citizen's return, and the electronic receipt.

The order is the dossier's payment request: one order per request, so paying twice for one
fee is refused by the gateway's own order check and by this one.
"""

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy import Row
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from catalogue import RESULTS_DIR
from db.answers import log_through
from db.models import PaymentOrderRow
from motcua.settings import Settings
from schemas.actions import PaymentMethod, PaymentRecord
from schemas.dossier import EventType
from schemas.status import DossierStatus
from schemas.tracking import tracking_secret
from services import tracking
from services.dossiers import fee_due
from services.errors import Conflict, NotFound
from services.forms import FormPdf
from services.payment_gateway import Merchant, payment_url, verified
from services.transaction import commit_now
from signing.pades import SigningRefused
from signing.seals import Signing
from signing.typeset import typeset_in_thread

log = logging.getLogger("motcua.payments")


def merchant(settings: Settings) -> Merchant | None:
    if not settings.payment_gateway_url:
        return None
    return Merchant(
        settings.payment_gateway_url, settings.payment_merchant_code, settings.payment_secret
    )


async def start(session: AsyncSession, settings: Settings, row: Row[Any], client_ip: str) -> str:
    """The gateway address the citizen's browser goes to, for the fee now asked."""
    gateway = merchant(settings)
    if gateway is None or not fee_due(row):
        status = DossierStatus(row.status)
        raise Conflict(
            f"Hồ sơ đang ở trạng thái «{status.name_vi}»; không có khoản phí nào chờ thanh toán "
            "trực tuyến.",
            f"The dossier is '{status.name_en}'; no fee awaits online payment.",
            reason="nothing_to_pay",
        )
    request = next(
        e
        for e in reversed(await log_through(session, row.code, row.last_seq))
        if e.type == EventType.PAYMENT_REQUESTED.value
    )
    order = f"{row.code}-{request.seq}"
    found = await session.get(PaymentOrderRow, order)
    if found is None:
        found = PaymentOrderRow(
            order=order,
            dossier_code=row.code,
            request_seq=request.seq,
            amount_vnd=int(request.data["amount_vnd"]),
            description=f"Ho so {row.code}: {request.data.get('description', '')}"[:255],
            created_at=datetime.now(UTC),
        )
        session.add(found)
        await commit_now(session)
    secret = tracking_secret(settings.secret_key, row.code)
    back = f"{settings.public_url.rstrip('/')}/tra-cuu/{row.code}/thanh-toan/ket-qua?" + urlencode(
        {"secret": secret}
    )
    return payment_url(
        gateway,
        order=order,
        amount_vnd=found.amount_vnd,
        description=found.description,
        return_url=back,
        client_ip=client_ip,
        at=datetime.now(UTC),
        tz=ZoneInfo(settings.timezone),
    )


async def notified(
    session: AsyncSession, temporal: Client, settings: Settings, fields: Mapping[str, str]
) -> dict[str, str]:
    """The gateway's server-to-server notification, answered as its contract asks."""
    gateway = merchant(settings)
    if gateway is None or not verified(fields, gateway.secret):
        log.warning("payment notification refused: bad signature: %s", dict(fields))
        return {"RspCode": "97", "Message": "Invalid Checksum"}
    order = await session.get(PaymentOrderRow, fields.get("vnp_TxnRef", ""), with_for_update=True)
    if order is None:
        log.warning("payment notification for an unknown order: %s", dict(fields))
        return {"RspCode": "01", "Message": "Order not Found"}
    if int(fields.get("vnp_Amount", "0")) != order.amount_vnd * 100:
        log.warning("payment notification with a wrong amount: %s", dict(fields))
        return {"RspCode": "04", "Message": "Invalid amount"}
    if order.status != "pending":
        log.info("payment notification repeated for %s", order.order)
        return {"RspCode": "02", "Message": "Order already confirmed"}
    paid = fields.get("vnp_ResponseCode") == "00" and fields.get("vnp_TransactionStatus") == "00"
    order.status = "paid" if paid else "declined"
    order.gateway_transaction = fields.get("vnp_TransactionNo")
    order.bank = fields.get("vnp_BankCode")
    order.paid_at = datetime.now(UTC) if paid else None
    await commit_now(session)
    if paid:
        row = await tracking.tracked(session, order.dossier_code)
        record = PaymentRecord(
            actor="citizen",
            method=PaymentMethod.ONLINE,
            reference=f"{order.bank or 'gateway'}:{order.gateway_transaction}",
        )
        await tracking.pay(session, temporal, row, record)
    return {"RspCode": "00", "Message": "Confirm Success"}


def returned(settings: Settings, fields: Mapping[str, str]) -> bool | None:
    """What the citizen's return says: paid, declined, or (None) not the gateway's word."""
    gateway = merchant(settings)
    if gateway is None or not verified(fields, gateway.secret):
        return None
    return fields.get("vnp_ResponseCode") == "00" and fields.get("vnp_TransactionStatus") == "00"


async def paid_order(session: AsyncSession, code: str) -> PaymentOrderRow | None:
    found = await session.exec(
        select(PaymentOrderRow)
        .where(PaymentOrderRow.dossier_code == code, PaymentOrderRow.status == "paid")
        .order_by(col(PaymentOrderRow.paid_at).desc())
    )
    return found.first()


_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(RESULTS_DIR), autoescape=True, undefined=jinja2.StrictUndefined
)


async def receipt(
    session: AsyncSession, settings: Settings, row: Row[Any], seal: Signing | None
) -> FormPdf:
    """The electronic receipt of the fee paid online, sealed by the unit where it can be."""
    order = await paid_order(session, row.code)
    if order is None or order.paid_at is None:
        raise NotFound(
            f"Hồ sơ «{row.code}» chưa có khoản phí nào thanh toán trực tuyến.",
            f"Dossier '{row.code}' has no fee paid online.",
        )
    tz = ZoneInfo(settings.timezone)
    html = _ENVIRONMENT.get_template("fee_receipt.html").render(
        order=order,
        applicant=str(row.applicant.get("organisation_name") or row.applicant_name),
        amount=f"{order.amount_vnd:,}".replace(",", "."),
        paid_at=f"{order.paid_at.astimezone(tz):%H:%M %d/%m/%Y}",
    )
    pdf = await typeset_in_thread(html)
    if seal is not None:
        try:
            pdf = await seal.seal(pdf, f"Biên lai {order.order}", "Việt Nam")
        except SigningRefused as refused:
            log.warning("receipt %s not sealed: %s", order.order, refused)
    return FormPdf(pdf, f"bien-lai-{order.order}.pdf")
