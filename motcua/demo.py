"""A handful of demo dossiers for `make run`, submitted through the API like any other.

Each carries a fixed Idempotency-Key, so running the product again never duplicates them.
"""

import json
import logging
import urllib.error
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
            "received_by": "demo.clerk.tanlap",
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
            "received_by": "demo.clerk.province",
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
            "received_by": "demo.clerk.province",
        },
        False,
    ),
]


def _post(url: str, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        result: dict[str, Any] = json.load(response)
        return result


def seed_demo(base_url: str) -> list[str]:
    codes = []
    for index, (body, accept) in enumerate(_DEMO, start=1):
        receipt = _post(f"{base_url}/api/v1/dossiers", body, key=f"motcua-demo-{index}")
        codes.append(receipt["code"])
        if accept:
            actor = body.get("received_by", "demo.clerk")
            try:
                _post(
                    f"{base_url}/api/v1/dossiers/{receipt['code']}/actions/accept",
                    {"actor": actor, "reason": "Hồ sơ đầy đủ, hợp lệ"},
                    key=f"motcua-demo-{index}-accept",
                )
            except urllib.error.HTTPError as exc:
                if exc.code != 409:  # already accepted on an earlier run
                    raise
    return codes
