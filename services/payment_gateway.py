"""A payment gateway's contract, as Vietnamese gateways (VNPAY's 2.1.0, which the national
payment platform's banks follow) publish it: the citizen is sent to the gateway with the
order's fields and `vnp_SecureHash`, an HMAC-SHA512 with the merchant's secret over the
other `vnp_` fields sorted by name and URL-encoded; the gateway calls the merchant's IPN
address server to server, and returns the citizen, both with fields signed the same way.
`vnp_Amount` is in hundredths of a đồng; `vnp_ResponseCode` and `vnp_TransactionStatus`
"00" mean paid.
"""

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from urllib.parse import quote_plus, urlencode

VERSION = "2.1.0"


def _signed_text(fields: Mapping[str, str]) -> str:
    return "&".join(
        f"{key}={quote_plus(str(value))}"
        for key, value in sorted(fields.items())
        if key.startswith("vnp_") and key not in ("vnp_SecureHash", "vnp_SecureHashType")
        and value != ""
    )  # fmt: skip


def signature(fields: Mapping[str, str], secret: str) -> str:
    text = _signed_text(fields)
    return hmac.new(secret.encode(), text.encode(), hashlib.sha512).hexdigest()


def verified(fields: Mapping[str, str], secret: str) -> bool:
    given = fields.get("vnp_SecureHash", "")
    return hmac.compare_digest(given.lower(), signature(fields, secret))


@dataclass(frozen=True)
class Merchant:
    gateway_url: str
    merchant_code: str
    secret: str


def payment_url(
    merchant: Merchant,
    *,
    order: str,
    amount_vnd: int,
    description: str,
    return_url: str,
    client_ip: str,
    at: datetime,
    tz: tzinfo,
) -> str:
    """Where the citizen's browser goes to pay the order."""
    fields = {
        "vnp_Version": VERSION,
        "vnp_Command": "pay",
        "vnp_TmnCode": merchant.merchant_code,
        "vnp_Amount": str(amount_vnd * 100),
        "vnp_CurrCode": "VND",
        "vnp_TxnRef": order,
        "vnp_OrderInfo": description[:255],
        "vnp_OrderType": "other",
        "vnp_Locale": "vn",
        "vnp_ReturnUrl": return_url,
        "vnp_IpAddr": client_ip,
        "vnp_CreateDate": f"{at.astimezone(tz):%Y%m%d%H%M%S}",
    }
    fields["vnp_SecureHash"] = signature(fields, merchant.secret)
    return f"{merchant.gateway_url}?{urlencode(fields)}"
