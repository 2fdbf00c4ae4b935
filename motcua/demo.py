"""A handful of demo dossiers for `make run`, submitted through the API like any other.

Each carries a fixed Idempotency-Key, so running the product again never duplicates them.
"""

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

log = logging.getLogger(__name__)

_DEMO: list[tuple[dict[str, Any], bool]] = [
    (
        {
            "procedure_code": "1.001193",
            "receiving_unit": "phuong-tan-lap",
            "channel": 1,
            "applicant": {
                "full_name": "Nguyễn Thị Hồng Nhung",
                "id_number": "066190001234",
                "phone": "0912345678",
            },
        },
        True,
    ),
    (
        {
            "procedure_code": "1.001193",
            "receiving_unit": "phuong-ea-kao",
            "channel": 2,
            "applicant": {
                "full_name": "Y Moan Niê",
                "id_number": "066090004321",
                "phone": "0905123456",
            },
        },
        False,
    ),
    (
        {
            "procedure_code": "2.000488",
            "receiving_unit": "ttphcc-tinh",
            "channel": 1,
            "applicant": {
                "full_name": "Trần Văn Bình",
                "id_number": "054085000777",
                "phone": "0935777888",
            },
        },
        True,
    ),
    (
        {
            "procedure_code": "1.001193",
            "receiving_unit": "ttphcc-tinh",
            "competent_authority": "xa-vu-bon",
            "channel": 3,
            "applicant": {
                "full_name": "H'Hen Mlô",
                "id_number": "066195008888",
                "phone": "0388123123",
            },
        },
        False,
    ),
]


# Demo accounts, created only in development (`make run`); listed in the README.
DEMO_PASSWORD = "motcua-demo"
DEMO_USERS: list[tuple[str, str, str, str]] = [
    ("clerk.tanlap", "Lê Thị Mai", "clerk", "phuong-tan-lap"),
    ("officer.tanlap", "Phạm Văn Hùng", "officer", "phuong-tan-lap"),
    ("leader.tanlap", "Nguyễn Văn Thành", "leader", "phuong-tan-lap"),
    ("clerk.eakao", "H'Linh Niê", "clerk", "phuong-ea-kao"),
    ("clerk.vubon", "Trần Thị Hoa", "clerk", "xa-vu-bon"),
    ("officer.vubon", "Y Bhim Mlô", "officer", "xa-vu-bon"),
    ("leader.vubon", "Đỗ Văn Nam", "leader", "xa-vu-bon"),
    ("clerk.tinh", "Võ Thị Lan", "clerk", "ttphcc-tinh"),
    ("officer.tuphap", "Hoàng Minh Tuấn", "officer", "so-tu-phap"),
    ("leader.tuphap", "Bùi Thị Hạnh", "leader", "so-tu-phap"),
    ("officer.congan", "Lò Văn Sơn", "officer", "cong-an-tinh"),
    ("supervisor.tinh", "Ngô Quang Huy", "supervisor", "dak-lak"),
    ("supervisor.tanlap", "Đinh Thị Thu", "supervisor", "phuong-tan-lap"),
    ("admin", "Quản trị hệ thống", "admin", "dak-lak"),
]
_CLERKS = {unit: name for name, _, role, unit in DEMO_USERS if role == "clerk"}


def _login(base_url: str, username: str) -> str:
    form = urllib.parse.urlencode({"username": username, "password": DEMO_PASSWORD}).encode()
    request = urllib.request.Request(
        f"{base_url}/api/v1/auth/token",
        data=form,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        token: str = json.load(response)["access_token"]
        return token


def _post(
    url: str, body: dict[str, Any], key: str | None = None, token: str | None = None
) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        result: dict[str, Any] = json.load(response)
        return result


def _get(url: str, token: str) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        result: dict[str, Any] = json.load(response)
        return result


def seed_demo(base_url: str) -> list[str]:
    codes = []
    for index, (body, accept) in enumerate(_DEMO, start=1):
        clerk = _CLERKS[body["receiving_unit"]]
        token = None if body["channel"] == 2 else _login(base_url, clerk)
        receipt = _post(
            f"{base_url}/api/v1/dossiers", body, key=f"motcua-demo-{index}", token=token
        )
        codes.append(receipt["code"])
        if accept:
            token = _login(base_url, clerk)
            dossier = f"{base_url}/api/v1/dossiers/{receipt['code']}"
            # The clerk saw every paper (in paper copies, not scanned: not digitised).
            received = [
                {"slot": line["slot"], "state": "received", "form": "copy"}
                for line in _get(f"{dossier}/checklist", token)["lines"]
            ]
            try:
                _post(
                    f"{dossier}/actions/accept",
                    {"reason": "Hồ sơ đầy đủ, hợp lệ", "checklist": received},
                    key=f"motcua-demo-{index}-accept",
                    token=token,
                )
            except urllib.error.HTTPError as exc:
                if exc.code != 409:  # already accepted on an earlier run
                    raise
    return codes
