"""Two levels, one dossier: steps that hand it between commune and province units."""

import httpx

from tests.factories import submission
from tests.journeys import act, drive, submit


async def test_first_land_certificate_travels_between_commune_and_province(
    api: httpx.AsyncClient,
) -> None:
    """Commune centre → land office → commune confirms → land office → tax (clock paused)
    → land office → signed → back through the receiving centre."""
    code = await submit(api, procedure_code="DLK-DD-01", receiving_unit="phuong-tan-an")
    await drive(api, code, "accept", "transfer", "assign")

    to_commune = await act(api, code, "forward")
    assert (to_commune["holder_unit"], to_commune["sub_state"]["code"]) == (
        "phuong-tan-an",
        "in_step",
    )
    assert to_commune["due"]["step"] == "UBND xã xác nhận hiện trạng, niêm yết"
    back_to_branch = await act(api, code, "forward")
    assert back_to_branch["holder_unit"] == "vp-dang-ky-dat-dai"
    at_tax = await act(api, code, "forward")
    assert at_tax["holder_unit"] == "thue-tinh"
    assert at_tax["due"]["paused"] is True
    assert at_tax["pauses"][-1]["reason"] == "financial_obligation"
    branch_again = await act(api, code, "forward")
    assert branch_again["due"]["paused"] is False
    assert "forward" not in [a["action"] for a in branch_again["allowed_actions"]]
    done = await drive(api, code, "appraise", "approve", "mark_result_ready", "return_result")

    assert done["status"]["code"] == 10
    handovers = (await api.get(f"/api/v1/dossiers/{code}/handovers")).json()
    assert [(h["from_unit"], h["to_unit"]) for h in handovers] == [
        ("phuong-tan-an", "vp-dang-ky-dat-dai"),
        ("vp-dang-ky-dat-dai", "phuong-tan-an"),
        ("phuong-tan-an", "vp-dang-ky-dat-dai"),
        ("vp-dang-ky-dat-dai", "thue-tinh"),
        ("thue-tinh", "vp-dang-ky-dat-dai"),
        ("vp-dang-ky-dat-dai", "phuong-tan-an"),
    ]
    account = (await api.get(f"/api/v1/dossiers/{code}/time")).json()
    assert set(account["by_level"]) == {"commune", "province"}
    assert account["paused_hours"] >= 0


async def test_land_received_at_the_provincial_centre_needs_its_commune(
    api: httpx.AsyncClient,
) -> None:
    without = await api.post(
        "/api/v1/dossiers",
        json=submission(procedure_code="DLK-DD-01", receiving_unit="ttphcc-tinh"),
    )
    with_commune = await api.post(
        "/api/v1/dossiers",
        json=submission(
            procedure_code="DLK-DD-01", receiving_unit="ttphcc-tinh", locality="xa-vu-bon"
        ),
    )

    assert without.status_code == 422
    assert without.json()["detail"][0]["field"] == "locality"
    assert with_commune.status_code == 201
