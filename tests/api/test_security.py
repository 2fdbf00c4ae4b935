"""The browser's protections on every answer, state changes only from this site's pages,
and redirects that stay on it."""

import httpx
import pytest

from motcua.settings import Settings
from tests.auth import bearer
from tests.factories import submission

CLERK = "clerk.phuong-tan-lap"
OWN = "http://motcua.test"


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "evil", "/%0d%0a"]
)
async def test_the_language_switch_stays_on_this_site(api: httpx.AsyncClient, target: str) -> None:
    response = await api.get("/ngon-ngu/en", params={"next": target})

    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/")
    assert not location.startswith("//")
    assert "evil" not in location


async def test_sign_in_sends_the_browser_to_a_local_page_only(api: httpx.AsyncClient) -> None:
    shown = await api.get("/can-bo/dang-nhap", params={"next": "//evil.example/x"})
    assert 'name="next" value="/can-bo/hang-doi"' in shown.text
    response = await api.post(
        "/can-bo/dang-nhap",
        data={"username": CLERK, "password": "mat-khau-thu-nghiem", "next": "//evil.example/x"},
        headers={"Origin": OWN},
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/can-bo/hang-doi"


async def test_every_answer_carries_the_browser_protections(api: httpx.AsyncClient) -> None:
    page = await api.get("/tra-cuu")
    json = await api.get("/api/v1/units")
    static = await api.get("/static/app.css")

    for response in (page, json):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["cache-control"] == "no-store"
        assert "strict-transport-security" not in response.headers
    assert static.headers.get("cache-control") != "no-store"


async def test_behind_tls_browsers_are_told_to_stay_on_https(
    settings: Settings, api: httpx.AsyncClient
) -> None:
    transport = api._transport  # the same app, reached over https
    async with httpx.AsyncClient(transport=transport, base_url="https://motcua.test") as tls:
        response = await tls.get("/")

    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_a_form_from_another_origin_is_refused_and_changes_nothing(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    code = (await api.post("/api/v1/dossiers", json=submission())).json()["code"]
    path = f"/can-bo/ho-so/{code}/refuse"
    form = {"reason": "Giả mạo"}
    browser = httpx.AsyncClient(
        transport=api._transport,
        base_url=OWN,
        cookies={"motcua_session": bearer(settings, CLERK).removeprefix("Bearer ")},
    )

    async with browser:
        other_port = await browser.post(
            path, data=form, headers={"Origin": "http://motcua.test:8081"}
        )
        other_site = await browser.post(path, data=form, headers={"Sec-Fetch-Site": "cross-site"})
        unnamed = await browser.post(path, data=form)
        # The JSON API on the cookie with no origin: a cross-site fetch could send that too.
        api_by_cookie = await browser.post(f"/api/v1/dossiers/{code}/actions/refuse", json=form)
        own = await browser.post(path, data=form, headers={"Origin": OWN})

    for response in (other_port, other_site, unnamed, api_by_cookie):
        assert response.status_code == 403, response.text
        assert response.json()["detail"]["code"] == "cross_site_request"
    # Only the form sent from the site itself went through: one refusal, logged once.
    assert own.status_code == 303, own.text
    detail = (await api.get(f"/api/v1/dossiers/{code}")).json()
    assert [e["type"] for e in detail["timeline"]] == ["submitted", "refused"]
    assert detail["status"]["code"] == 3


async def test_production_session_cookies_are_secure(api: httpx.AsyncClient) -> None:
    assert Settings(
        environment="test", secret_key="x" * 3 + "Ab9-Qz7_Lm2-Rt5_Wv8-Kp4_Hs6-Nd3"
    ).secure_cookies
    assert not Settings(environment="development").secure_cookies
