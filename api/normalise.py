"""Text arrives in one Unicode form: NFC, as Vietnamese is stored and compared.

Some phones and Windows input methods send a letter and its accents as separate code points
(NFD: "Nguyê\u0302n" instead of "Nguyễn"). Both look the same to a person, but a name check,
a search and a uniqueness key see two different strings. Every JSON or form body and every
query string is composed at the edge, before anything validates it.
"""

import json
import unicodedata
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import Message, Receive, Scope, Send

from api.middleware import HttpMiddleware

_TEXT_BODIES = (b"application/json", b"application/x-www-form-urlencoded")


def _nfc_form(raw: bytes) -> bytes:
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8")
    if all(unicodedata.is_normalized("NFC", k + v) for k, v in pairs):
        return raw
    composed = [
        (unicodedata.normalize("NFC", k), unicodedata.normalize("NFC", v)) for k, v in pairs
    ]
    return urlencode(composed).encode("ascii")


def _nfc_json(raw: bytes) -> bytes:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw  # malformed: the JSON parser answers it
    if b"\\u" in raw:
        # Escaped code points (`\u0302`, as Python's json.dumps writes them) only compose
        # once parsed: the rare body that has them is parsed and written again.
        try:
            return json.dumps(_nfc_values(json.loads(text)), ensure_ascii=False).encode("utf-8")
        except ValueError:
            return raw
    # JSON's syntax is ASCII, so composing the whole text composes every string in it and
    # nothing else; most bodies are composed already and pass as they came.
    if unicodedata.is_normalized("NFC", text):
        return raw
    return unicodedata.normalize("NFC", text).encode("utf-8")


def _nfc_values(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc_values(item) for item in value]
    if isinstance(value, dict):
        return {_nfc_values(key): _nfc_values(item) for key, item in value.items()}
    return value


class NormaliseText(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        query: bytes = scope.get("query_string", b"")
        # The scope is changed in place: outer middleware read what inner layers put in it
        # (the route template for the metrics).
        if b"%" in query:
            scope["query_string"] = _nfc_form(query)
        kind = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
        if kind not in _TEXT_BODIES:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay(message), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        body = _nfc_json(raw) if kind == b"application/json" else _nfc_form(raw)
        if body is not raw:
            headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
            scope["headers"] = [*headers, (b"content-length", str(len(body)).encode())]
        first: Message = {"type": "http.request", "body": body, "more_body": False}
        await self.app(scope, _replay(first, receive), send)


def _replay(first: Message, then: Receive | None = None) -> Receive:
    """`first` again, then what the client sends next (its disconnect)."""
    pending = [first]

    async def receive() -> Message:
        if pending:
            return pending.pop()
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive
