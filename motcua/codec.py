"""Personal data stays out of Temporal's history: every payload is encrypted (AES-256-GCM).

The Temporal server, its database and its Web UI see ciphertext only. Keys come from
`MOTCUA_PAYLOAD_KEYS` as `id:base64key,…`; the first encrypts, all decrypt, so a key is
rotated by putting the new one first and keeping the old ones until the histories they
wrote have expired. Without configured keys (development only) one is derived from the
secret key.
"""

import base64
import hashlib
import os
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
_NONCE = 12


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise ValueError("at least one payload key is needed")
        for key_id, key in keys:
            if len(key) != 32:
                raise ValueError(f"payload key {key_id!r} must be 32 bytes (AES-256)")
        self._current_id, current = keys[0]
        self._current = AESGCM(current)
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        encoded = []
        for payload in payloads:
            nonce = os.urandom(_NONCE)
            sealed = self._current.encrypt(nonce, payload.SerializeToString(), None)
            encoded.append(
                Payload(
                    metadata={"encoding": ENCODING, "encryption-key-id": self._current_id.encode()},
                    data=nonce + sealed,
                )
            )
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                decoded.append(payload)  # written before encryption was turned on
                continue
            key_id = payload.metadata["encryption-key-id"].decode()
            cipher = self._ciphers.get(key_id)
            if cipher is None:
                raise ValueError(f"no payload key {key_id!r} to decrypt with")
            plain = cipher.decrypt(payload.data[:_NONCE], payload.data[_NONCE:], None)
            decoded.append(Payload.FromString(plain))
        return decoded


def parse_keys(text: str) -> list[tuple[str, bytes]]:
    keys = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        key_id, _, encoded = item.partition(":")
        if not key_id or not encoded:
            raise ValueError("payload keys are written id:base64key,id:base64key")
        keys.append((key_id, base64.b64decode(encoded)))
    return keys


def development_key(secret_key: str) -> tuple[str, bytes]:
    return "dev", hashlib.sha256(b"motcua-payload:" + secret_key.encode()).digest()
