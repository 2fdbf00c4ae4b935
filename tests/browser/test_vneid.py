"""Citizens sign in with the national identity: a real OpenID Connect provider
(panva/oidc-provider, in tests/oidc, run by Node as its own process) stands in for the
portal's single sign-on. Code flow with PKCE; the ID token's signature, issuer, audience
and nonce checked; "my dossiers" and the pre-filled submission follow from it."""

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from authlib.jose import JsonWebKey, jwt
from playwright.async_api import Browser, expect

from motcua.settings import Settings
from services.citizen_sign_in import SignInRefused, verify_id_token
from simulators.process import ROOT, serving
from tests.auth import StaffAuth
from tests.conftest import free_port
from tests.factories import submission

PROVIDER_PORT = free_port()
ISSUER = f"http://127.0.0.1:{PROVIDER_PORT}"
ID_NUMBER = "066190001234"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "citizen_oidc_issuer": ISSUER,
            "citizen_oidc_client_id": "motcua",
            "citizen_oidc_client_secret": "motcua-test-client-secret",
        }
    )


@pytest.fixture
def site(live_server: str, settings: Settings) -> Iterator[str]:
    # The provider sends the citizen back to this server.
    settings.public_url = live_server
    node = shutil.which("node")
    assert node is not None, "Node.js runs the test identity provider (.ci/run installs it)"
    command = [node, str(ROOT / "tests/oidc/provider.mjs"), str(PROVIDER_PORT),
               f"{live_server}/dang-nhap-cong-dan/xong"]  # fmt: skip
    with serving(command, PROVIDER_PORT):
        yield live_server


async def test_a_citizen_signs_in_with_the_national_identity_and_sees_their_dossiers(
    browser: Browser, site: str, settings: Settings, screenshots: Path
) -> None:
    async with httpx.AsyncClient(base_url=site, auth=StaffAuth(settings), timeout=60) as staff:
        mine = (await staff.post("/api/v1/dossiers", json=submission())).json()["code"]
    phone = await browser.new_context(base_url=site, viewport={"width": 360, "height": 740})
    page = await phone.new_page()

    await page.goto("/nop-ho-so")
    await page.click("#vneid-link")
    await page.fill("input[name=login]", ID_NUMBER)
    await page.fill("input[name=password]", "mat-khau-vneid")
    await page.click("button[type=submit]")
    await page.click("button[type=submit]")  # the provider asks to share name, phone, ID

    await expect(page.locator("#signed-in-as")).to_contain_text(ID_NUMBER)
    await expect(page.locator("input[name=full_name]")).to_have_value("Hoàng Thị Mai")
    assert await page.get_attribute("input[name=id_number]", "readonly") is not None
    await page.goto("/ho-so-cua-toi")
    await expect(page.locator("#my-dossiers")).to_contain_text(mine)
    await page.screenshot(path=screenshots / "50-my-dossiers-phone.png", full_page=True)
    await page.click(f"#my-dossiers a:has-text('{mine}')")
    await expect(page.locator("h1")).to_contain_text(mine)


async def test_a_token_not_signed_by_the_provider_is_refused(site: str, settings: Settings) -> None:
    async with httpx.AsyncClient() as client:
        config = (await client.get(f"{ISSUER}/.well-known/openid-configuration")).json()
        keys = (await client.get(config["jwks_uri"])).json()
    forged_key = JsonWebKey.generate_key("RSA", 2048, is_private=True)
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "motcua", "sub": ID_NUMBER, "id_number": ID_NUMBER,
              "nonce": "n-1", "iat": now, "exp": now + 300}  # fmt: skip
    # The provider's key id in the header, the forger's key in the signature.
    header = {"alg": "RS256", "kid": keys["keys"][0]["kid"]}
    forged = jwt.encode(header, claims, forged_key).decode()

    with pytest.raises(SignInRefused):
        verify_id_token(settings, forged, keys, "n-1")
    # Changing one claim of a token breaks its signature just the same.
    body = forged.split(".")
    tampered = ".".join(
        [body[0], body[1][:-2] + ("A" if body[1][-2] != "A" else "B") + body[1][-1], body[2]]
    )
    with pytest.raises(SignInRefused):
        verify_id_token(settings, tampered, keys, "n-1")
