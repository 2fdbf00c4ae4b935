"""Intake as counters work: applicants who are businesses, organisations or represented by
someone else; and the counter's search, by what a person at the window says, within the
searcher's scope."""

from typing import Any

import httpx
import pytest

from motcua.settings import Settings
from tests.auth import SUPERVISOR, bearer
from tests.factories import submission
from tests.journeys import submit

AN = {"full_name": "Nguyễn Văn Ân", "id_number": "066190007777", "phone": "0905 111 222"}
BAKERY = {
    "kind": "household_business",
    "full_name": "Lê Thị Hoa",
    "id_number": "066185003333",
    "phone": "0987654321",
    "organisation_name": "Hộ kinh doanh Bánh mì Hoa Đào",
}
COMPANY = {
    "kind": "organisation",
    "full_name": "Đặng Quốc Đạt",
    "id_number": "066080002222",
    "phone": "02623812345",
    "organisation_name": "Công ty TNHH Cà phê Buôn Ma Thuột 3A",
    "tax_code": "6001234567-001",
}


def as_(settings: Settings, username: str) -> dict[str, str]:
    return {"Authorization": bearer(settings, username)}


async def _found(
    api: httpx.AsyncClient, q: str, headers: dict[str, str] | None = None
) -> list[str]:
    response = await api.get("/api/v1/dossiers", params={"q": q}, headers=headers or {})
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()["items"]]


async def test_the_counter_finds_a_dossier_by_whatever_the_applicant_says(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    an = await submit(api, applicant=AN)
    bakery = await submit(api, applicant=BAKERY)
    company = await submit(api, applicant=COMPANY)
    clerk = as_(settings, "clerk.phuong-tan-lap")

    assert await _found(api, "nguyen van an", clerk) == [an]
    assert await _found(api, "NGUYỄN VĂN ÂN", clerk) == [an]
    assert await _found(api, "066190007777", clerk) == [an]
    assert await _found(api, "0905.111.222", clerk) == [an]
    assert await _found(api, "+84905111222", clerk) == [an]
    assert await _found(api, "banh mi hoa dao", clerk) == [bakery]
    assert await _found(api, "6001234567-001", clerk) == [company]
    # Đ is a letter of its own, not D with a mark: "dang quoc dat" still finds "Đặng Quốc Đạt".
    assert await _found(api, "dang quoc dat", clerk) == [company]
    assert await _found(api, an, clerk) == [an]
    listed = (await api.get("/api/v1/dossiers", params={"q": "hoa"}, headers=clerk)).json()
    assert {i["code"] for i in listed["items"]} == {bakery}
    assert listed["items"][0]["applicant_name"] == "Hộ kinh doanh Bánh mì Hoa Đào"


async def test_search_stays_within_the_searchers_scope(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    code = await submit(api, applicant=AN)

    assert await _found(api, "nguyen van an", as_(settings, "clerk.xa-vu-bon")) == []
    assert await _found(api, "nguyen van an", as_(settings, SUPERVISOR)) == [code]


async def test_a_search_too_short_to_mean_anything_names_the_parameter(
    api: httpx.AsyncClient,
) -> None:
    response = await api.get("/api/v1/dossiers", params={"q": " a "})

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "q"


@pytest.mark.parametrize(
    ("applicant", "kind"),
    [
        ({**COMPANY, "tax_code": None}, "tax_code_required"),
        ({**BAKERY, "organisation_name": None}, "organisation_name_required"),
        ({**AN, "tax_code": "6001234567"}, "individual_with_organisation"),
        ({**COMPANY, "tax_code": "60012"}, "tax_code_format"),
        (
            {**AN, "representative": {"full_name": "Trần Bình", "id_number": "066088004321"}},
            "missing",
        ),
    ],
)
async def test_an_applicant_that_does_not_fit_its_kind_is_refused_by_name(
    api: httpx.AsyncClient, applicant: dict[str, Any], kind: str
) -> None:
    response = await api.post("/api/v1/dossiers", json=submission(applicant=applicant))

    assert response.status_code == 422
    problems = response.json()["detail"]
    assert kind in [p["type"] for p in problems], problems
    assert all(p["field"].startswith("applicant") for p in problems)


async def test_the_kind_and_the_representative_travel_with_the_dossier(
    api: httpx.AsyncClient,
) -> None:
    representative = {
        "full_name": "Trần Văn Bình",
        "id_number": "066088004321",
        "authorisation": "Giấy ủy quyền số 15/UQ ngày 01/12/2026",
    }
    code = await submit(api, applicant={**COMPANY, "representative": representative})

    detail = (await api.get(f"/api/v1/dossiers/{code}")).json()

    assert detail["applicant"]["kind"] == "organisation"
    assert detail["applicant"]["tax_code"] == "6001234567-001"
    assert detail["applicant"]["representative"]["full_name"] == "Trần Văn Bình"
    assert await _found(api, "tran van binh") == [code]
