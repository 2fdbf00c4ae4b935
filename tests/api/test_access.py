"""Sign-in, and the role × endpoint matrix: every staff endpoint, allowed and forbidden.

A judicial-record dossier received at Xã Vụ Bổn and decided by the Department of Justice
is the subject; each row says who asks, what, and the status they must get.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import update

from db.models import OrgUnitRow, UserRow
from db.session import SessionMaker
from motcua.settings import Settings
from tests.auth import ADMIN, PASSWORD, SUPERVISOR, bearer
from tests.factories import action_body, submission
from tests.journeys import drive, submit

JUSTICE = {"procedure_code": "2.000488", "receiving_unit": "xa-vu-bon"}


async def test_sign_in_gives_a_token_that_names_role_and_unit(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    response = await api.post(
        "/api/v1/auth/token", data={"username": "clerk.xa-vu-bon", "password": PASSWORD}
    )

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["user"] == {
        "username": "clerk.xa-vu-bon",
        "full_name": "clerk.xa-vu-bon",
        "role": "clerk",
        "unit": "xa-vu-bon",
        "unit_level": "commune",
    }
    claims = jwt.decode(answer["access_token"], settings.secret_key, algorithms=["HS256"])
    assert (claims["sub"], claims["role"], claims["unit"]) == (
        "clerk.xa-vu-bon",
        "clerk",
        "xa-vu-bon",
    )


@pytest.mark.parametrize("username", ["clerk.xa-vu-bon", "nobody"])
async def test_a_wrong_password_or_unknown_name_is_401_in_vietnamese(
    api: httpx.AsyncClient, username: str
) -> None:
    response = await api.post(
        "/api/v1/auth/token", data={"username": username, "password": "sai-mat-khau"}
    )

    assert response.status_code == 401
    assert response.json()["detail"]["message"] == "Tên đăng nhập hoặc mật khẩu không đúng."


@pytest.mark.parametrize("closed", ["account", "unit"])
async def test_a_closed_account_or_unit_acts_no_more(
    api: httpx.AsyncClient, settings: Settings, sessionmaker: SessionMaker, closed: str
) -> None:
    code = await submit(api, **JUSTICE)
    token = {"Authorization": bearer(settings, "clerk.xa-vu-bon")}
    assert (await api.get(f"/api/v1/dossiers/{code}", headers=token)).status_code == 200
    # A merged commune's unit is closed; an account is closed when its holder leaves.
    table, key, value = (
        (UserRow, UserRow.username, "clerk.xa-vu-bon")
        if closed == "account"
        else (OrgUnitRow, OrgUnitRow.code, "xa-vu-bon")
    )
    await _set_active(sessionmaker, table, key, value, False)
    try:
        refused = await api.get(f"/api/v1/dossiers/{code}", headers=token)
        signing_in = await api.post(
            "/api/v1/auth/token", data={"username": "clerk.xa-vu-bon", "password": PASSWORD}
        )
    finally:
        await _set_active(sessionmaker, table, key, value, True)

    assert refused.status_code == 401, refused.text
    assert signing_in.status_code == 401, signing_in.text
    assert (await api.get(f"/api/v1/dossiers/{code}", headers=token)).status_code == 200


async def _set_active(
    sessionmaker: SessionMaker, table: Any, key: Any, value: str, active: bool
) -> None:
    async with sessionmaker() as session, session.begin():
        await session.exec(update(table).where(key == value).values(active=active))


async def test_an_expired_session_is_told_so(api: httpx.AsyncClient, settings: Settings) -> None:
    code = await submit(api, **JUSTICE)
    expired = jwt.encode(
        {"sub": SUPERVISOR, "exp": datetime.now(UTC) - timedelta(minutes=1)},
        settings.secret_key,
        algorithm="HS256",
    )

    response = await api.get(
        f"/api/v1/dossiers/{code}", headers={"Authorization": f"Bearer {expired}"}
    )

    assert response.status_code == 401
    assert "hết hạn" in response.json()["detail"]["message"]
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.fixture
async def dossier(api: httpx.AsyncClient) -> str:
    code = await submit(api, **JUSTICE)
    await drive(api, code, "accept", "transfer")
    return code


async def _call(
    api: httpx.AsyncClient,
    settings: Settings,
    method: str,
    path: str,
    who: str | None,
    **kwargs: Any,
) -> httpx.Response:
    """As `who`, or with no credentials at all when `who` is None."""
    if who is None:
        return await api.request(method, path, auth=None, **kwargs)
    headers = {"Authorization": bearer(settings, who)}
    return await api.request(method, path, headers=headers, **kwargs)


READ = [
    (None, 401),
    ("clerk.xa-vu-bon", 200),  # received it
    ("leader.so-tu-phap", 200),  # decides it
    ("officer.so-tu-phap", 200),
    (SUPERVISOR, 200),  # the province's supervisor sees every unit
    (ADMIN, 200),
    ("supervisor.xa-vu-bon", 200),  # a commune supervisor sees their commune's
    ("clerk.phuong-tan-lap", 403),  # another commune
    ("officer.so-y-te", 403),  # another department
]


@pytest.mark.parametrize(("who", "expected"), READ)
@pytest.mark.parametrize("path", ["", "/events", "/handovers", "/time", "/forms/01"])
async def test_reading_a_dossier(
    api: httpx.AsyncClient,
    settings: Settings,
    dossier: str,
    path: str,
    who: str | None,
    expected: int,
) -> None:
    response = await _call(api, settings, "GET", f"/api/v1/dossiers/{dossier}{path}", who)

    assert response.status_code == expected, response.text


# The papers: everyone who sees the dossier but the administrator, who keeps reference data
# and has no case to read a citizen's papers for.
READ_PAPERS = [(who, 403 if who == ADMIN else expected) for who, expected in READ]


@pytest.mark.parametrize(("who", "expected"), READ_PAPERS)
@pytest.mark.parametrize("path", ["/documents", "/checklist", "/document-accesses"])
async def test_reading_a_dossiers_papers(
    api: httpx.AsyncClient,
    settings: Settings,
    dossier: str,
    path: str,
    who: str | None,
    expected: int,
) -> None:
    response = await _call(api, settings, "GET", f"/api/v1/dossiers/{dossier}{path}", who)

    assert response.status_code == expected, response.text


ACT = [
    # (action, who, expected) on a dossier awaiting assignment at the Department of Justice
    ("assign", "leader.so-tu-phap", 200),
    ("assign", None, 401),
    ("assign", "officer.so-tu-phap", 403),  # the role may not
    ("assign", "leader.xa-vu-bon", 403),  # the unit does not hold it
    ("assign", SUPERVISOR, 403),
    ("assign", ADMIN, 403),
    ("draft_extension", "officer.so-tu-phap", 200),
    ("draft_extension", "officer.phuong-tan-lap", 403),
    ("withdraw", "clerk.xa-vu-bon", 200),  # the counter that received it, for the applicant
    ("withdraw", "clerk.phuong-tan-lap", 403),
    ("accept", "clerk.xa-vu-bon", 409),  # allowed to try; the state forbids it
]


@pytest.mark.parametrize(("action", "who", "expected"), ACT)
async def test_acting_on_a_dossier(
    api: httpx.AsyncClient,
    settings: Settings,
    dossier: str,
    action: str,
    who: str | None,
    expected: int,
) -> None:
    response = await _call(
        api,
        settings,
        "POST",
        f"/api/v1/dossiers/{dossier}/actions/{action}",
        who,
        json=action_body(action),
    )

    assert response.status_code == expected, response.text
    if expected == 200:
        assert response.json()["timeline"][-1]["actor"] == who


@pytest.mark.parametrize(
    ("who", "channel", "expected"),
    [
        ("clerk.xa-vu-bon", 1, 201),
        ("clerk.phuong-tan-lap", 1, 403),  # not their counter
        ("officer.xa-vu-bon", 3, 403),  # only clerks receive
        (None, 1, 401),
        (None, 2, 201),  # citizens submit online without an account
    ],
)
async def test_submitting(
    api: httpx.AsyncClient, settings: Settings, who: str | None, channel: int, expected: int
) -> None:
    body = submission(receiving_unit="xa-vu-bon", channel=channel)

    response = await _call(api, settings, "POST", "/api/v1/dossiers", who, json=body)

    assert response.status_code == expected, response.text


UNIT_TOOLS: list[tuple[str, str, dict[str, Any] | None, str | None, int]] = [
    ("GET", "/api/v1/queues/xa-vu-bon", None, "clerk.xa-vu-bon", 200),
    ("GET", "/api/v1/queues/xa-vu-bon", None, "clerk.phuong-tan-lap", 403),
    ("GET", "/api/v1/queues/xa-vu-bon", None, SUPERVISOR, 200),
    ("GET", "/api/v1/queues/xa-vu-bon", None, None, 401),
    (
        "POST",
        "/api/v1/queues/so-tu-phap/reassign",
        {"from_officer": "a", "to_officer": "b", "reason": "Nghỉ phép"},
        "leader.so-tu-phap",
        200,
    ),
    (
        "POST",
        "/api/v1/queues/so-tu-phap/reassign",
        {"from_officer": "a", "to_officer": "b", "reason": "Nghỉ phép"},
        "officer.so-tu-phap",
        403,
    ),
    (
        "PUT",
        "/api/v1/calendar/overrides/2027-01-04",
        {"day": "2027-01-04", "kind": "day_off", "reason": "Nghỉ bù"},
        ADMIN,
        200,
    ),
    (
        "PUT",
        "/api/v1/calendar/overrides/2027-01-04",
        {"day": "2027-01-04", "kind": "day_off", "reason": "Nghỉ bù"},
        SUPERVISOR,
        403,
    ),
    (
        "PUT",
        "/api/v1/calendar/overrides/2027-01-04",
        {"day": "2027-01-04", "kind": "day_off", "reason": "Nghỉ bù"},
        None,
        401,
    ),
    (
        "POST",
        "/api/v1/admin/suspensions",
        {
            "units": ["xa-vu-bon"],
            "extra_working_days": 1,
            "legal_reference": "QĐ 1/QĐ-UBND",
            "reason": "Bão",
        },
        ADMIN,
        200,
    ),
    (
        "POST",
        "/api/v1/admin/suspensions",
        {
            "units": ["xa-vu-bon"],
            "extra_working_days": 1,
            "legal_reference": "QĐ 1/QĐ-UBND",
            "reason": "Bão",
        },
        "leader.xa-vu-bon",
        403,
    ),
    ("GET", "/api/v1/calendar/overrides", None, None, 200),  # the calendar is public
    ("GET", "/api/v1/units", None, None, 200),
    ("GET", "/api/v1/procedures", None, None, 200),
    ("GET", "/api/v1/health", None, None, 200),
]


@pytest.mark.parametrize(("method", "path", "body", "who", "expected"), UNIT_TOOLS)
async def test_unit_and_administration_tools(
    api: httpx.AsyncClient,
    settings: Settings,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    who: str | None,
    expected: int,
) -> None:
    response = await _call(api, settings, method, path, who, json=body)

    assert response.status_code == expected, response.text


# The whole matrix: every staff endpoint × every kind of user, on a dossier received at
# Xã Vụ Bổn and awaiting assignment at the Department of Justice. Actions are ones the
# state forbids, so an allowed user gets 409 from the workflow and nothing changes.
ROLES = [
    None,
    "clerk.xa-vu-bon",
    "officer.so-tu-phap",
    "leader.so-tu-phap",
    "clerk.phuong-tan-lap",
    "supervisor.xa-vu-bon",
    SUPERVISOR,
    ADMIN,
]
#          anon clerk officer leader other-clerk commune-sup province-sup admin
MATRIX: list[tuple[str, str, dict[str, Any] | None, list[int]]] = [
    ("GET", "/api/v1/dossiers/{code}", None, [401, 200, 200, 200, 403, 200, 200, 200]),
    ("GET", "/api/v1/dossiers/{code}/events", None, [401, 200, 200, 200, 403, 200, 200, 200]),
    ("GET", "/api/v1/dossiers/{code}/time", None, [401, 200, 200, 200, 403, 200, 200, 200]),
    (
        "POST",
        "/api/v1/dossiers/{code}/actions/accept",
        {},
        [401, 409, 403, 403, 403, 403, 403, 403],
    ),
    (
        "POST",
        "/api/v1/dossiers/{code}/actions/appraise",
        {"result": "sufficient", "findings": "ok"},
        [401, 403, 409, 403, 403, 403, 403, 403],
    ),
    (
        "POST",
        "/api/v1/dossiers/{code}/actions/approve",
        {"decision": "grant", "decision_number": "1"},
        [401, 403, 403, 409, 403, 403, 403, 403],
    ),
    ("GET", "/api/v1/queues/so-tu-phap", None, [401, 403, 200, 200, 403, 403, 200, 200]),
    ("GET", "/api/v1/supervision/overdue", None, [401, 403, 403, 200, 403, 200, 200, 200]),
    (
        "GET",
        "/api/v1/supervision/statistics?start=2026-01-01&end=2026-12-31",
        None,
        [401, 403, 403, 200, 403, 200, 200, 200],
    ),
    (
        "DELETE",
        "/api/v1/calendar/overrides/2031-01-01",
        None,
        [401, 403, 403, 403, 403, 403, 403, 404],
    ),
    (
        "GET",
        "/api/v1/events/stream?max_events=1&poll_seconds=0.1&unit=no-such-unit",
        None,
        [401, 200, 200, 200, 200, 200, 200, 200],
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    MATRIX,
    ids=[f"{m} {p.split('?')[0]}" for m, p, _, _ in MATRIX],
)
async def test_the_role_by_endpoint_matrix(
    api: httpx.AsyncClient,
    settings: Settings,
    dossier: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    expected: list[int],
) -> None:
    url = path.format(code=dossier)
    answers = []
    for who in ROLES:
        if "events/stream" in path and who is not None:
            answers.append(200)  # a stream waits for events; its scope is tested elsewhere
            continue
        response = await _call(api, settings, method, url, who, json=body)
        answers.append(response.status_code)

    assert answers == expected
