"""A local stand-in for a payment gateway (VNPAY 2.1.0's published contract), run as its
own process: `python -m simulators.paygate PORT SECRET IPN_URL`.

`GET /pay?vnp_…` checks the order's signature and shows the simulated payment page (the
order, a card number, pay); with `&card=…` it is that page's answer: a card number ending
in 0 declines. It then calls `IPN_URL` with the signed result, server to server, and
redirects the citizen to the order's return address with the same fields; `GET /calls`
lists the IPN answers it got. It signs as the gateway does, on its own: HMAC-SHA512 over
the `vnp_` fields sorted by name and URL-encoded, never with the merchant's code.
"""

import hashlib
import hmac
import sys
import threading
import urllib.request
import uuid
from datetime import datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit
from zoneinfo import ZoneInfo

from simulators.http import answer


def signature(fields: dict[str, str], secret: str) -> str:
    text = "&".join(
        f"{key}={quote_plus(value)}"
        for key, value in sorted(fields.items())
        if key.startswith("vnp_") and key not in ("vnp_SecureHash", "vnp_SecureHashType")
        and value != ""
    )  # fmt: skip
    return hmac.new(secret.encode(), text.encode(), hashlib.sha512).hexdigest()


def verified(fields: dict[str, str], secret: str) -> bool:
    return hmac.compare_digest(fields.get("vnp_SecureHash", "").lower(), signature(fields, secret))


PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cổng thanh toán (mô phỏng)</title>
<style>body{{font-family:sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem}}
input,button{{font-size:1.1rem;padding:.5rem;width:100%;box-sizing:border-box;margin:.3rem 0}}
</style></head><body>
<p><strong>CỔNG THANH TOÁN MÔ PHỎNG</strong> · simulated payment gateway</p>
<p>{info}</p><p>Số tiền · amount: <strong>{amount} đồng</strong></p>
<form method="get" action="/pay">{hidden}
<label for="card">Số thẻ · card number</label>
<input id="card" name="card" value="9704198526191432198" inputmode="numeric">
<button type="submit">Thanh toán · Pay</button></form>
<p><small>Số thẻ tận cùng bằng 0 bị từ chối · a card ending in 0 is declined.</small></p>
</body></html>"""


def payment_page(fields: dict[str, str]) -> bytes:
    hidden = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items()
    )
    amount = f"{int(fields['vnp_Amount']) // 100:,}".replace(",", ".")
    return PAGE.format(info=escape(fields["vnp_OrderInfo"]), amount=amount, hidden=hidden).encode()


class State:
    lock = threading.Lock()
    secret = ""
    ipn = ""
    calls: ClassVar[list[dict[str, Any]]] = []


class Gateway(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/calls":
            with State.lock:
                answer(self, 200, {"calls": State.calls})
            return
        if url.path != "/pay":
            answer(self, 404, {})
            return
        fields = dict(parse_qsl(url.query, keep_blank_values=True))
        card = fields.pop("card", None)
        if not verified(fields, State.secret):
            answer(self, 400, {"error": "invalid signature"})
            return
        if card is None:
            page = payment_page(fields)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        paid = not card.endswith("0")
        result = {
            "vnp_TmnCode": fields["vnp_TmnCode"],
            "vnp_Amount": fields["vnp_Amount"],
            "vnp_BankCode": "NCB",
            "vnp_OrderInfo": fields["vnp_OrderInfo"],
            "vnp_PayDate": datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y%m%d%H%M%S"),
            "vnp_ResponseCode": "00" if paid else "51",
            "vnp_TransactionNo": str(uuid.uuid4().int)[:10],
            "vnp_TransactionStatus": "00" if paid else "02",
            "vnp_TxnRef": fields["vnp_TxnRef"],
        }
        result["vnp_SecureHash"] = signature(result, State.secret)
        query = urlencode(result)
        with urllib.request.urlopen(f"{State.ipn}?{query}", timeout=10) as response:
            reply = response.read().decode()
        with State.lock:
            State.calls.append({"fields": result, "reply": reply})
        self.send_response(302)
        self.send_header(
            "Location",
            f"{fields['vnp_ReturnUrl']}{'&' if '?' in fields['vnp_ReturnUrl'] else '?'}{query}",
        )
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def main(port: int, secret: str, ipn: str) -> None:
    State.secret, State.ipn = secret, ipn
    ThreadingHTTPServer(("127.0.0.1", port), Gateway).serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3])
