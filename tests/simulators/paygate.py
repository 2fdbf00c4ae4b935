"""A local stand-in for a payment gateway (VNPAY 2.1.0's contract, see
activities/payment_gateway.py), run as its own process:
`python -m tests.simulators.paygate PORT SECRET IPN_URL`.

`GET /pay?vnp_…` checks the order's signature; a card number ending in 0 (`&card=…`,
the simulated payment page's answer) declines. It then calls `IPN_URL` with the signed
result, server to server, and redirects the citizen to the order's return address with the
same fields; `GET /calls` lists the IPN answers it got.
"""

import sys
import threading
import urllib.request
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

from services.payment_gateway import signature, verified
from tests.simulators.http import answer


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
        card = fields.pop("card", "9704198526191432198")
        if not verified(fields, State.secret):
            answer(self, 400, {"error": "invalid signature"})
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
