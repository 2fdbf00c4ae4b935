"""A local stand-in for the two message gateways a province contracts, run as its own
process (`python -m simulators.gateways PORT`):

- a brand-name SMS gateway: `POST /sms` with JSON `{"to", "text", "ref"}`; 200 when taken;
- Zalo ZNS: `POST /zns/message/template` with the OA's `access_token` header and JSON
  `{"phone", "template_id", "template_data", "tracking_id"}`; answers
  `{"error": 0, "message": "Success", "data": {"msg_id"}}`, or a non-zero `error` (-124 for
  a wrong token, -108 for a phone without Zalo), as the documented API does.

Both treat a repeated `ref` / `tracking_id` as the same message (delivered once), as real
gateways do with a client reference. `GET /received` lists what was delivered; a number
in `FAILING` is refused with 503 (SMS) or error -108 (ZNS).
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

from simulators.http import answer

ACCESS_TOKEN = "zns-test-token"
FAILING = {"0999999999", "84999999999"}


class State:
    lock = threading.Lock()
    delivered: ClassVar[list[dict[str, Any]]] = []
    seen: ClassVar[set[tuple[str, str]]] = set()


class Gateways(BaseHTTPRequestHandler):
    def _answer(self, status: int, body: dict[str, Any]) -> None:
        answer(self, status, body)

    def do_GET(self) -> None:
        if self.path == "/received":
            with State.lock:
                self._answer(200, {"delivered": State.delivered})
        else:
            self._answer(404, {})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        if self.path == "/sms":
            if body["to"] in FAILING:
                self._answer(503, {"error": "subscriber unreachable"})
                return
            self._deliver("sms", str(body.get("ref", "")), body)
            self._answer(200, {"status": "accepted"})
        elif self.path == "/zns/message/template":
            if self.headers.get("access_token") != ACCESS_TOKEN:
                self._answer(200, {"error": -124, "message": "Access token is invalid"})
                return
            if body["phone"] in FAILING:
                self._answer(200, {"error": -108, "message": "Phone number is invalid"})
                return
            msg_id = self._deliver("zalo", str(body.get("tracking_id", "")), body)
            self._answer(200, {"error": 0, "message": "Success", "data": {"msg_id": msg_id}})
        else:
            self._answer(404, {})

    def _deliver(self, channel: str, ref: str, body: dict[str, Any]) -> str:
        with State.lock:
            if (channel, ref) not in State.seen or not ref:
                State.seen.add((channel, ref))
                State.delivered.append({"channel": channel, **body})
            return f"{channel}-{ref}"

    def log_message(self, *args: Any) -> None:
        pass


def main(port: int) -> None:
    ThreadingHTTPServer(("127.0.0.1", port), Gateways).serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]))
