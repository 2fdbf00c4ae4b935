"""Valid inputs to start from; tests change one field at a time."""

from typing import Any


def submission(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "procedure_code": "1.001193",
        "receiving_unit": "phuong-tan-lap",
        "channel": 1,
        "applicant": {
            "full_name": "Nguyễn Thị Hồng Nhung",
            "id_number": "066190001234",
            "phone": "0912 345 678",
        },
        "received_by": "clerk.tanlap",
    }
    body.update(overrides)
    return body
