"""Signing in and out: guesses are throttled, and a session ends when the person signs
out, changes password or is disabled, on every replica."""

import os
import subprocess
import sys
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from api.app import create_app
from api.deps import Resources
from db.session import SessionMaker
from db.users import disable_user, is_active, passwords, save_user
from motcua.settings import Settings
from services.sign_in import ACCOUNT_FAILURES, CLIENT_FAILURES
from tests.auth import PASSWORD
from tests.conftest import DATABASE_URL, save_test_users

CLERK = "clerk.xa-vu-bon"


@pytest.fixture
async def anonymous(app_without_worker: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    transport = app_without_worker._transport
    async with httpx.AsyncClient(transport=transport, base_url="http://motcua.test") as client:
        yield client


@pytest.fixture
async def restore_passwords(sessionmaker: SessionMaker) -> AsyncIterator[None]:
    yield
    await save_test_users(sessionmaker)


async def _sign_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )


async def _me(client: httpx.AsyncClient, token: str) -> int:
    response = await client.get(
        "/api/v1/queues/xa-vu-bon", headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code


async def test_after_a_few_wrong_passwords_even_the_right_one_waits(
    anonymous: httpx.AsyncClient,
) -> None:
    wrong = [
        (await _sign_in(anonymous, CLERK, "doan-sai-mat-khau")).status_code
        for _ in range(ACCOUNT_FAILURES)
    ]
    right = await _sign_in(anonymous, CLERK, PASSWORD)
    other = await _sign_in(anonymous, "officer.xa-vu-bon", PASSWORD)

    assert wrong == [401] * ACCOUNT_FAILURES
    assert right.status_code == 429
    assert 1 <= int(right.headers["retry-after"]) <= 15 * 60
    assert "thử lại sau" in right.json()["detail"]["message"]
    # The lock is the account's: another account from the same client still signs in.
    assert other.status_code == 200


async def test_one_client_guessing_many_accounts_is_stopped(anonymous: httpx.AsyncClient) -> None:
    accounts = [
        f"{role}.{unit}"
        for unit in (
            "xa-vu-bon",
            "phuong-tan-lap",
            "so-tu-phap",
            "phuong-ea-kao",
            "phuong-tan-an",
            "xa-hoa-phu",
            "xa-ea-kar",
        )
        for role in ("clerk", "officer", "leader")
    ]
    for username in accounts[:CLIENT_FAILURES]:
        assert (await _sign_in(anonymous, username, "doan-sai")).status_code == 401

    fresh = await _sign_in(anonymous, accounts[CLIENT_FAILURES], PASSWORD)

    assert fresh.status_code == 429


async def test_a_new_password_ends_the_sessions_issued_before(
    anonymous: httpx.AsyncClient, sessionmaker: SessionMaker, restore_passwords: None
) -> None:
    token = (await _sign_in(anonymous, CLERK, PASSWORD)).json()["access_token"]
    assert await _me(anonymous, token) == 200

    async with sessionmaker() as session, session.begin():
        await save_user(
            session, CLERK, CLERK, passwords.hash("mat-khau-moi-2026"), "clerk", "xa-vu-bon"
        )

    refused = await anonymous.get(
        "/api/v1/queues/xa-vu-bon", headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 401
    assert "Phiên đăng nhập đã kết thúc" in refused.json()["detail"]["message"]
    fresh = (await _sign_in(anonymous, CLERK, "mat-khau-moi-2026")).json()["access_token"]
    assert await _me(anonymous, fresh) == 200


async def test_a_disabled_account_is_out_at_once_and_stays_out(
    anonymous: httpx.AsyncClient, sessionmaker: SessionMaker, restore_passwords: None
) -> None:
    token = (await _sign_in(anonymous, CLERK, PASSWORD)).json()["access_token"]

    async with sessionmaker() as session, session.begin():
        assert await disable_user(session, CLERK)

    assert await _me(anonymous, token) == 401
    assert (await _sign_in(anonymous, CLERK, PASSWORD)).status_code == 401
    # Saving the account again (a new password, say) does not enable it behind anyone's back.
    async with sessionmaker() as session, session.begin():
        await save_user(session, CLERK, CLERK, passwords.hash(PASSWORD), "clerk", "xa-vu-bon")
    async with sessionmaker() as session:
        assert await is_active(session, CLERK) is False
    async with sessionmaker() as session, session.begin():
        await save_user(
            session, CLERK, CLERK, passwords.hash(PASSWORD), "clerk", "xa-vu-bon", enable=True
        )
    assert (await _sign_in(anonymous, CLERK, PASSWORD)).status_code == 200


async def test_signing_out_ends_the_session_on_every_replica(
    anonymous: httpx.AsyncClient,
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: SessionMaker,
    temporal_client: Client,
) -> None:
    token = (await _sign_in(anonymous, CLERK, PASSWORD)).json()["access_token"]
    other = create_app(
        settings, resources=Resources(settings, engine, sessionmaker, temporal_client)
    )

    out = await anonymous.post(
        "/api/v1/auth/sign-out", headers={"Authorization": f"Bearer {token}"}
    )

    assert out.status_code == 204
    async with (
        other.router.lifespan_context(other),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=other), base_url="http://replica-2"
        ) as replica,
    ):
        assert await _me(replica, token) == 401
    assert await _me(anonymous, token) == 401


async def test_signing_out_of_the_pages_ends_the_session_too(
    anonymous: httpx.AsyncClient,
) -> None:
    signed_in = await anonymous.post(
        "/can-bo/dang-nhap",
        data={"username": CLERK, "password": PASSWORD},
        headers={"Origin": "http://motcua.test"},
    )
    assert "Secure" in signed_in.headers["set-cookie"]
    token = signed_in.cookies["motcua_session"]
    assert await _me(anonymous, token) == 200

    # Outside development the cookie is Secure; this client speaks plain HTTP, so it is
    # sent by hand as a browser would over TLS.
    out = await anonymous.post(
        "/can-bo/dang-xuat",
        headers={"Origin": "http://motcua.test", "Cookie": f"motcua_session={token}"},
    )
    assert out.status_code == 303
    assert "motcua_session" in out.headers["set-cookie"]

    assert await _me(anonymous, token) == 401


def test_the_command_disables_an_account(sessionmaker: SessionMaker) -> None:
    env = {**os.environ, "MOTCUA_DATABASE_URL": DATABASE_URL, "MOTCUA_ENVIRONMENT": "development"}

    account = ["leader.xa-vu-bon", "--name", "L", "--role", "leader", "--unit", "xa-vu-bon"]

    def motcua_user(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "motcua", "user", *args],
            env=env,
            input="mat-khau-thu-nghiem\n",
            capture_output=True,
            text=True,
        )

    disabled = motcua_user("leader.xa-vu-bon", "--disable")
    again = motcua_user(*account)
    enabled = motcua_user(*account, "--enable")

    assert disabled.returncode == 0, disabled.stderr
    assert "disabled" in disabled.stdout
    assert again.returncode == 0
    assert "--enable" in again.stderr
    assert enabled.returncode == 0
    assert "--enable" not in enabled.stderr
