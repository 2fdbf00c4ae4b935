"""Citizens signing in with the national electronic identity (VNeID, through the portal's
single sign-on), as a standard OpenID Connect client: discovery, the code flow with PKCE,
the ID token's signature (the provider's published keys), issuer, audience, expiry and
nonce all checked; the citizen then carries a session of this site's own.

The person's 12-digit ID comes from the token (`id_number`), so "my dossiers" and the
submission form trust it, not what a form says.
"""

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.jose import JsonWebKey, jwt
from authlib.jose.errors import JoseError
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import DossierRow
from motcua.settings import Settings
from schemas.status import DossierStatus
from schemas.tracking import tracking_secret
from services.errors import ServiceError

log = logging.getLogger("motcua.citizen_sign_in")
FLOW_COOKIE = "motcua_vneid_flow"
CITIZEN_COOKIE = "motcua_citizen"
_FLOW_SECONDS = 600


class SignInRefused(ServiceError):
    status_code = 401
    code = "citizen_sign_in_refused"


@dataclass(frozen=True)
class Citizen:
    sub: str
    name: str
    id_number: str
    phone: str | None


def _sign(settings: Settings, data: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(data, ensure_ascii=False).encode()).decode()
    mac = hmac.new(settings.secret_key.encode(), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def _unsign(settings: Settings, value: str) -> dict[str, Any] | None:
    body, _, mac = value.rpartition(".")
    good = hmac.new(settings.secret_key.encode(), body.encode(), hashlib.sha256).hexdigest()
    if not body or not hmac.compare_digest(mac, good):
        return None
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body.encode()))
    if data.get("exp", 0) < time.time():
        return None
    return data


async def _discovery(settings: Settings) -> dict[str, Any]:
    url = f"{settings.citizen_oidc_issuer.rstrip('/')}/.well-known/openid-configuration"
    async with httpx.AsyncClient(timeout=10) as client:
        found: dict[str, Any] = (await client.get(url)).raise_for_status().json()
        return found


async def start(settings: Settings, redirect_uri: str, after: str) -> tuple[str, str]:
    """The provider's address to send the citizen to, and the flow cookie (state, nonce,
    PKCE verifier) the callback checks."""
    config = await _discovery(settings)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    # RFC 7636: 43 to 128 characters.
    verifier = secrets.token_urlsafe(48)
    query = {
        "response_type": "code",
        "client_id": settings.citizen_oidc_client_id,
        "redirect_uri": redirect_uri,
        "scope": settings.citizen_oidc_scopes,
        "state": state,
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    flow = {"state": state, "nonce": nonce, "verifier": verifier, "after": after,
            "exp": time.time() + _FLOW_SECONDS}  # fmt: skip
    return f"{config['authorization_endpoint']}?{urlencode(query)}", _sign(settings, flow)


async def finish(
    settings: Settings, redirect_uri: str, flow_cookie: str, code: str, state: str
) -> tuple[Citizen, str, str]:
    """The signed-in citizen, their session cookie, and where to go next."""
    flow = _unsign(settings, flow_cookie)
    if flow is None or not hmac.compare_digest(str(flow.get("state")), state):
        raise SignInRefused(
            "Phiên đăng nhập không hợp lệ hoặc đã hết hạn; vui lòng đăng nhập lại.",
            "The sign-in flow is invalid or expired; sign in again.",
        )
    config = await _discovery(settings)
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.post(
            config["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": settings.citizen_oidc_client_id,
                "client_secret": settings.citizen_oidc_client_secret,
                "code_verifier": flow["verifier"],
            },
        )
        if answer.status_code != 200:
            log.warning("the identity provider refused the code: %s", answer.text[:300])
            raise SignInRefused(
                "Cổng định danh không xác nhận đăng nhập.",
                f"The identity provider refused the code: {answer.text[:200]}",
            )
        keys = (await client.get(config["jwks_uri"])).raise_for_status().json()
    citizen = verify_id_token(settings, answer.json()["id_token"], keys, str(flow["nonce"]))
    session = _sign(
        settings,
        {"sub": citizen.sub, "name": citizen.name, "id_number": citizen.id_number,
         "phone": citizen.phone, "exp": time.time() + settings.token_minutes * 60},
    )  # fmt: skip
    return citizen, session, str(flow.get("after") or "/ho-so-cua-toi")


def verify_id_token(settings: Settings, token: str, keys: dict[str, Any], nonce: str) -> Citizen:
    """The ID token's signature against the provider's keys, and its issuer, audience,
    expiry and nonce; any doubt refuses it."""
    try:
        claims = jwt.decode(
            token,
            JsonWebKey.import_key_set(keys),
            claims_options={
                "iss": {"essential": True, "value": settings.citizen_oidc_issuer.rstrip("/")},
                "aud": {"essential": True, "value": settings.citizen_oidc_client_id},
                "exp": {"essential": True},
                "nonce": {"essential": True, "value": nonce},
            },
        )
        claims.validate(leeway=30)
    except (JoseError, ValueError) as exc:
        raise SignInRefused(
            "Không xác thực được danh tính từ Cổng định danh.",
            f"The ID token is refused: {exc}",
        ) from exc
    id_number = str(claims.get("id_number") or "")
    if not (id_number.isdigit() and len(id_number) == 12):
        raise SignInRefused(
            "Cổng định danh không cung cấp số định danh cá nhân.",
            "The identity provider gave no 12-digit personal ID.",
        )
    return Citizen(
        sub=str(claims["sub"]),
        name=str(claims.get("name") or ""),
        id_number=id_number,
        phone=claims.get("phone_number"),
    )


def signed_in(settings: Settings, cookie: str | None) -> Citizen | None:
    data = None if not cookie else _unsign(settings, cookie)
    if data is None:
        return None
    return Citizen(data["sub"], data["name"], data["id_number"], data.get("phone"))


@dataclass(frozen=True)
class MyDossier:
    code: str
    procedure_code: str
    status: DossierStatus
    submitted_at: datetime
    due_at: datetime | None
    link: str


async def my_dossiers(
    session: AsyncSession, settings: Settings, citizen: Citizen
) -> list[MyDossier]:
    """The dossiers whose applicant is the signed-in person, newest first, each with the
    tracking link its receipt's secret opens."""
    rows = await session.exec(
        select(DossierRow)
        .where(DossierRow.applicant_id_number == citizen.id_number)
        .order_by(col(DossierRow.submitted_at).desc())
        .limit(100)
    )
    return [
        MyDossier(
            code=row.code,
            procedure_code=row.procedure_code,
            status=DossierStatus(row.status),
            submitted_at=row.submitted_at,
            due_at=row.due_at,
            link="/tra-cuu?"
            + urlencode(
                {"code": row.code, "secret": tracking_secret(settings.secret_key, row.code)}
            ),
        )
        for row in rows
    ]
