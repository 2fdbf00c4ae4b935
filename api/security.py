"""What a public web service sends and checks on every request: the browser's protections
(CSP, framing, sniffing, referrer, HSTS, no caching of personal data), the refusal of
cross-site state changes, and redirects kept on this site.
"""

from urllib.parse import urlsplit

from fastapi.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

from api.middleware import HttpMiddleware
from api.page_text import TEXT

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Scripts only from this site (htmx and Chart.js are vendored). Inline style attributes stay
# allowed: htmx's indicator and Chart.js set them, and a style cannot run code.
_CSP_BASE = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; "
)
_CSP = _CSP_BASE + "form-action 'self'"
_BASE_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
# The interactive API documentation is FastAPI's page with an inline script of its own.
_NO_CSP_PREFIXES = ("/docs", "/redoc")
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def local_path(target: str, default: str = "/") -> str:
    """`target` if it is a path on this site, else `default`: `//evil.example/x`,
    `/\\evil.example`, `https://…` and control characters would send the browser away."""
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(c) < 0x20 or c == "\\" for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def csp_posting_to(url: str) -> str:
    """This site's policy, with `url`'s origin added to where a form may lead: browsers
    apply `form-action` to the redirect a form's answer makes, so the page whose button
    goes to the payment gateway must name the gateway."""
    parts = urlsplit(url)
    return _CSP_BASE + f"form-action 'self' {parts.scheme}://{parts.netloc}"


class SecurityHeaders(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        https = scope.get("scheme") == "https"

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [h for h in _BASE_HEADERS if h[0] not in present]
                # A response may carry its own (a document shown in this site's own preview).
                csp = b"content-security-policy"
                if not path.startswith(_NO_CSP_PREFIXES) and csp not in present:
                    headers.append((b"content-security-policy", _CSP.encode()))
                # Personal data (dossiers, names, ID numbers) must not stay in a shared
                # computer's cache or a proxy's; only the vendored static files may.
                if not path.startswith("/static/") and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                if https:
                    headers.append(_HSTS)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, sending)


class SameOrigin(HttpMiddleware):
    """Refuses a state-changing request that a browser sent from another site or another
    port of this host, where the session cookie would otherwise ride along.

    Browsers say where a request comes from (`Sec-Fetch-Site`, else `Origin`); a request
    with neither is a program, not a page, and is let through only when it carries no
    session cookie (a bearer token cannot be sent by another site)."""

    def __init__(self, app: object, *, cookie: str, allowed_origins: frozenset[str]) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.cookie = cookie.encode()
        self.allowed = allowed_origins

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] in _SAFE_METHODS or self._same_origin(scope):
            await self.app(scope, receive, send)
            return
        vi, en = TEXT["cross_site"]
        body = {"detail": {"code": "cross_site_request", "message": vi, "message_en": en}}
        await JSONResponse(body, status_code=403)(scope, receive, send)

    def _same_origin(self, scope: Scope) -> bool:
        headers = dict(scope["headers"])
        origin = headers.get(b"origin")
        if origin is not None and origin != b"null":
            return self._own(scope, origin.decode("latin-1"))
        fetch_site = headers.get(b"sec-fetch-site")
        if fetch_site is not None:
            return bool(fetch_site == b"same-origin")
        # Neither header: not a page of a current browser. A page's form must say where it
        # comes from; an API call must, only when it rides on the session cookie.
        if not scope["path"].startswith("/api/"):
            return False
        return self.cookie + b"=" not in headers.get(b"cookie", b"")

    def _own(self, scope: Scope, origin: str) -> bool:
        if origin in self.allowed:
            return True
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        scheme = scope.get("scheme", "http")
        return origin == f"{scheme}://{host}"
