"""A local stand-in for the National Public Service Portal's integration API, in the shape
OpenCPS v2 used (DOMAIN.md, "National portal sync"), run as its own process:
`python -m simulators.portal PORT [USERNAME PASSWORD]`.

- `POST /auth` with header `dstcode` and JSON `{"username", "password"}` answers
  `{"error_code": 0, "session": …}`, or a non-zero `error_code`;
- `POST /integration` with JSON `{"session", "madonvi", "service", "isUpdating", "data"}`
  answers `{"error_code": "00", "id": …}`; an unknown session is `"-1"` (sign in again);
  `DongBoHoSoMC` keeps every dossier's list of statuses as received;
- `LayDanhSachHoSoMoi` lists the dossiers filed on the portal the province has not yet
  confirmed taking; `XacNhanDaNhanHoSo` confirms them (`MaHoSoQG` → the local `MaHoSo`);
- `POST /control` with `{"down": true|false, "delay_ms": N}` takes it down (503) or slows
  it, with `{"file": {...}}` a citizen files a dossier on the portal; `GET /received`
  lists what it holds, `GET /status/{MaHoSo}` one dossier's last.
"""

import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

from simulators.http import answer

USERNAME, PASSWORD, DSTCODE = "motcua-daklak", "portal-test-password", "H15"


class State:
    lock = threading.Lock()
    down = False
    delay = 0.0
    sessions: ClassVar[set[str]] = set()
    # MaHoSo → the statuses received, in order.
    statuses: ClassVar[dict[str, list[int]]] = {}
    received: ClassVar[list[dict[str, Any]]] = []
    # Dossiers citizens filed on the portal itself, MaHoSoQG → the sheet; and those the
    # province confirmed it took (MaHoSoQG → its own code).
    filed: ClassVar[dict[str, dict[str, Any]]] = {}
    confirmed: ClassVar[dict[str, str]] = {}
    account = (USERNAME, PASSWORD)


class Portal(BaseHTTPRequestHandler):
    def _answer(self, status: int, body: dict[str, Any]) -> None:
        answer(self, status, body)

    def do_GET(self) -> None:
        with State.lock:
            if self.path == "/received":
                self._answer(200, {"received": State.received, "statuses": State.statuses})
            elif self.path.startswith("/status/"):
                code = self.path.removeprefix("/status/")
                history = State.statuses.get(code)
                self._answer(
                    200, {"MaHoSo": code, "TrangThaiHoSo": history[-1] if history else None}
                )
            else:
                self._answer(404, {})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        if self.path == "/control":
            with State.lock:
                State.down = bool(body.get("down", State.down))
                State.delay = float(body.get("delay_ms", State.delay * 1000)) / 1000
                if "file" in body:
                    State.filed[body["file"]["MaHoSoQG"]] = body["file"]
            self._answer(200, {"down": State.down, "confirmed": State.confirmed})
            return
        if State.down:
            self._answer(503, {"error": "maintenance"})
            return
        if State.delay:
            time.sleep(State.delay)
        if self.path == "/auth":
            good = (
                self.headers.get("dstcode") == DSTCODE
                and body.get("username") == State.account[0]
                and body.get("password") == State.account[1]
            )
            if not good:
                self._answer(200, {"error_code": 401, "message": "Sai thông tin xác thực"})
                return
            session = uuid.uuid4().hex
            with State.lock:
                State.sessions.add(session)
            self._answer(200, {"error_code": 0, "session": session})
        elif self.path == "/integration":
            with State.lock:
                if body.get("session") not in State.sessions:
                    self._answer(200, {"error_code": "-1", "message": "Phiên làm việc hết hạn"})
                    return
                if body.get("service") == "LayDanhSachHoSoMoi":
                    waiting = [d for k, d in State.filed.items() if k not in State.confirmed]
                    self._answer(200, {"error_code": "00", "data": waiting})
                    return
                if body.get("service") == "XacNhanDaNhanHoSo":
                    for item in body.get("data", []):
                        State.confirmed[item["MaHoSoQG"]] = item["MaHoSo"]
                if body.get("service") == "DongBoHoSoMC":
                    for dossier in body.get("data", []):
                        State.statuses.setdefault(dossier["MaHoSo"], []).append(
                            int(dossier["TrangThaiHoSo"])
                        )
                State.received.append(body)
            self._answer(200, {"error_code": "00", "message": "Thành công", "id": uuid.uuid4().hex})
        else:
            self._answer(404, {})

    def log_message(self, *args: Any) -> None:
        pass


class Server(ThreadingHTTPServer):
    # A sender keeps a batch of requests in flight; the default backlog of 5 resets them.
    request_queue_size = 256
    daemon_threads = True


def main(port: int, username: str = USERNAME, password: str = PASSWORD) -> None:
    State.account = (username, password)
    Server(("127.0.0.1", port), Portal).serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), *sys.argv[2:4])
