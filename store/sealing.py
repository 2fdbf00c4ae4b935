"""AES-256-GCM over a stream, chunk by chunk, with the key ring of Temporal's payloads.

A sealed object is a header (format, key id, a random nonce prefix) and chunks of at most
CHUNK bytes of plaintext, each with its own tag. A chunk's nonce is the prefix, its index
and whether it is the last; its associated data is the header. So no chunk can be changed,
moved, dropped, cut off the end or spliced from another object without the read failing,
and a 20 MB scan is never whole in memory. (That the object is the one its address names
is checked by the reader of the plaintext, against its SHA-256.)
"""

import os
import struct
from collections.abc import AsyncIterator, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"MCS1"
CHUNK = 256 * 1024
TAG = 16
_PREFIX = 7


class SealBroken(Exception):
    """The stored object was changed, cut short, or sealed under another address."""


class KeyRing:
    """The first key seals; every key opens (rotation: put the new key first)."""

    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        for key_id, key in keys:
            if len(key) != 32:
                raise ValueError(f"key {key_id!r} must be 32 bytes (AES-256)")
            if not 0 < len(key_id.encode()) < 256:
                raise ValueError(f"key id {key_id!r} must be 1 to 255 bytes")
        self.current_id = keys[0][0]
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys}

    def cipher(self, key_id: str) -> AESGCM:
        try:
            return self._ciphers[key_id]
        except KeyError:
            raise SealBroken(f"no key {key_id!r} in the key ring to open this object") from None


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I?", index, last)


class Sealer:
    """Seals plaintext given in any pieces; `header()` first, `seal()` per piece, then
    `finish()`. Holds at most one chunk of plaintext."""

    def __init__(self, ring: KeyRing) -> None:
        self.key_id = ring.current_id
        self._cipher = ring.cipher(self.key_id)
        self._prefix = os.urandom(_PREFIX)
        key_id = self.key_id.encode()
        self._header = MAGIC + bytes([len(key_id)]) + key_id + self._prefix
        self._pending = bytearray()
        self._index = 0

    def header(self) -> bytes:
        return self._header

    def seal(self, piece: bytes) -> bytes:
        self._pending += piece
        out = bytearray()
        # Keep the last full chunk back: only at the end is it known to be the last.
        while len(self._pending) > CHUNK:
            out += self._chunk(bytes(self._pending[:CHUNK]), last=False)
            del self._pending[:CHUNK]
        return bytes(out)

    def finish(self) -> bytes:
        return self._chunk(bytes(self._pending), last=True)

    def _chunk(self, plain: bytes, last: bool) -> bytes:
        nonce = _nonce(self._prefix, self._index, last)
        self._index += 1
        return self._cipher.encrypt(nonce, plain, self._header)


async def open_sealed(ring: KeyRing, sealed: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The plaintext of a sealed stream, chunk by chunk; SealBroken on any tampering."""
    buffer = bytearray()
    stream = aiter(sealed)
    cipher, prefix, header = None, b"", b""
    index, ended = 0, False
    while True:
        if not ended and len(buffer) <= CHUNK + TAG:
            try:
                buffer += await anext(stream)
                continue
            except StopAsyncIteration:
                ended = True
        if cipher is None:
            cipher, prefix, size = _read_header(ring, bytes(buffer[: 5 + 255 + _PREFIX]))
            header = bytes(buffer[:size])
            del buffer[:size]
            continue
        last = ended and len(buffer) <= CHUNK + TAG
        piece = bytes(buffer[: CHUNK + TAG])
        del buffer[: CHUNK + TAG]
        try:
            yield cipher.decrypt(_nonce(prefix, index, last), piece, header)
        except InvalidTag:
            raise SealBroken("a stored chunk does not open: changed, moved or cut") from None
        index += 1
        if last:
            return


def _read_header(ring: KeyRing, head: bytes) -> tuple[AESGCM, bytes, int]:
    if head[:4] != MAGIC or len(head) < 5:
        raise SealBroken("not a sealed object")
    size = head[4]
    end = 5 + size + _PREFIX
    if len(head) < end:
        raise SealBroken("a sealed object's header is cut short")
    key_id = head[5 : 5 + size].decode()
    return ring.cipher(key_id), head[5 + size : end], end
