"""The published API description, with every status code the API can answer.

FastAPI documents 200 and 422; the rest (the sign-in answers, access refusals, unknown
dossiers, illegal actions, oversized bodies, rate limits, outages) come from dependencies
and handlers it cannot see. They are added here, by what each operation takes: a signed-in
user, a dossier code, a body; each carries the one error shape (`detail.code`,
`message`, `message_en`) and, where a client should wait, `Retry-After`.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

_ERROR = {
    "type": "object",
    "properties": {
        "detail": {
            "anyOf": [
                {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "message_en": {"type": "string"},
                    },
                    "required": ["code", "message", "message_en"],
                },
                {"type": "array", "items": {"type": "object"}},
            ]
        }
    },
    "required": ["detail"],
}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "integer"},
    }
}
_TEXT = {
    "400": "Bad request",
    "401": "Not signed in, or the session has ended (WWW-Authenticate: Bearer)",
    "403": "The person's role or unit may not do this, or the request came from another site",
    "404": "No such dossier, code and secret, or form",
    "409": "The dossier's state forbids it (the state is named), or a key reused differently",
    "413": "The body is too large",
    "422": "A field is invalid (named in `field`)",
    "429": "Too many attempts: wait as Retry-After says",
    "503": "The database or the workflow service is away: retry after Retry-After",
}


def _codes(path: str, method: str, operation: dict[str, Any]) -> set[str]:
    codes = {"503"}
    changes = method in ("post", "put", "patch", "delete")
    if operation.get("security") or changes:
        codes |= {"401", "403"}
    if "{" in path:
        codes |= {"404", "422"}
    if operation.get("parameters"):
        codes.add("422")
    if changes:
        codes |= {"400", "409", "413", "422"}
    if path.startswith("/api/v1/track") or path == "/api/v1/auth/token":
        codes |= {"404", "429"}
    # Open to anyone, so counted per client as look-ups are.
    if path == "/api/v1/verify" or (path.startswith("/api/v1/complaints") and method == "post"):
        codes.add("429")
    if path == "/api/v1/complaints/{code}" and method == "get":
        codes.add("429")
    return codes


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            routes=app.routes,
        )
        for path, operations in schema.get("paths", {}).items():
            if not path.startswith("/api/"):
                continue
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for code in sorted(_codes(path, method, operation)):
                    answer = responses.setdefault(code, {"description": _TEXT[code]})
                    answer.setdefault("content", {"application/json": {"schema": _ERROR}})
                    if code in ("429", "503"):
                        answer.setdefault("headers", _RETRY_AFTER)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
