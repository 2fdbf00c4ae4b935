"""Signing test requests in as the staff member the law expects for each of them.

Test users are `{role}.{unit}` for every unit, plus `supervisor.dak-lak` and
`admin.dak-lak`; the access tests sign in explicitly instead.
"""

import json
from collections.abc import Generator
from functools import cache

import httpx

import catalogue
from motcua.settings import Settings
from schemas.lifecycle import ACTIONS, Action, Role
from schemas.users import StaffUser
from services.sign_in import issue_token

PASSWORD = "mat-khau-thu-nghiem"
STAFF_ROLES = (Role.CLERK, Role.OFFICER, Role.LEADER)
SUPERVISOR = "supervisor.dak-lak"
ADMIN = "admin.dak-lak"


@cache
def _levels() -> dict[str, str]:
    return {unit.code: unit.level.value for unit in catalogue.load_units()}


def test_usernames() -> list[tuple[str, Role, str]]:
    users = [(f"{role}.{unit}", role, unit) for unit in _levels() for role in STAFF_ROLES]
    users += [
        (SUPERVISOR, Role.SUPERVISOR, "dak-lak"),
        (ADMIN, Role.ADMIN, "dak-lak"),
        ("supervisor.xa-vu-bon", Role.SUPERVISOR, "xa-vu-bon"),
    ]
    return users


def bearer(settings: Settings, username: str) -> str:
    role, unit = username.split(".", 1)
    user = StaffUser(
        username=username,
        full_name=username,
        role=Role(role),
        unit=unit,
        unit_level=_levels()[unit],
    )
    token, _ = issue_token(settings, user)
    return f"Bearer {token}"


def _json(request: httpx.Request) -> dict[str, object]:
    try:
        body = json.loads(request.content or b"{}")
    except ValueError:  # malformed on purpose: let the API answer it
        return {}
    return body if isinstance(body, dict) else {}


def _actor_for(action: Action, dossier: dict[str, object], body: dict[str, object]) -> str:
    roles = ACTIONS[action].performed_by - {Role.CITIZEN}
    role = next(r for r in (Role.CLERK, Role.OFFICER, Role.LEADER) if r in roles)
    # A consulted agency answers for itself.
    answering = action is Action.ANSWER_CONSULTATION and isinstance(body.get("unit"), str)
    unit = body["unit"] if answering else dossier["holder_unit"]
    return f"{role}.{unit}"


class StaffAuth(httpx.Auth):
    requires_response_body = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _who(self, request: httpx.Request) -> str | None:
        path, method = request.url.path, request.method
        if path.startswith("/api/v1/track") or path.startswith("/api/v1/auth"):
            return None
        if method == "POST" and path == "/api/v1/dossiers":
            body = _json(request)
            unit = body.get("receiving_unit")
            if body.get("channel") == 2 or not isinstance(unit, str) or unit not in _levels():
                return None
            return f"clerk.{unit}"
        if path.startswith("/api/v1/queues/") and path.endswith("/reassign"):
            return f"leader.{path.split('/')[4]}"
        if path.startswith("/api/v1/admin") or (
            path.startswith("/api/v1/calendar/overrides") and method in ("PUT", "DELETE")
        ):
            return ADMIN
        return SUPERVISOR

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if "authorization" in request.headers:
            yield request
            return
        who = self._who(request)
        parts = request.url.path.split("/")
        if request.method == "POST" and len(parts) == 7 and parts[5] == "actions":
            lookup = httpx.Request(
                "GET",
                request.url.copy_with(path=f"/api/v1/dossiers/{parts[4]}", query=None),
                headers={"Authorization": bearer(self.settings, SUPERVISOR)},
            )
            response = yield lookup
            if response.status_code == 200 and parts[6] in Action.__members__.values():
                who = _actor_for(Action(parts[6]), response.json(), _json(request))
        elif request.method == "POST" and len(parts) >= 6 and parts[5] == "documents":
            # Scans are attached at the counter that received the dossier.
            lookup = httpx.Request(
                "GET",
                request.url.copy_with(path=f"/api/v1/dossiers/{parts[4]}", query=None),
                headers={"Authorization": bearer(self.settings, SUPERVISOR)},
            )
            response = yield lookup
            if response.status_code == 200:
                who = f"clerk.{response.json()['receiving_unit']['code']}"
        if who is not None:
            request.headers["Authorization"] = bearer(self.settings, who)
        yield request
