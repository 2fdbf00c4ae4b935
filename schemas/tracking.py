"""Tracking secrets: printed on the receipt, derived from the dossier code and the secret key.

Derivation instead of storage means a retried submission returns the same secret and no
table of secrets can leak; rotating the secret key invalidates all of them.
"""

import hashlib
import hmac

# No 0/O or 1/I: the secret is read off paper and typed on a phone.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def tracking_secret(secret_key: str, dossier_code: str) -> str:
    digest = hmac.new(secret_key.encode(), dossier_code.encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = [_ALPHABET[(number >> (5 * i)) & 31] for i in range(12)]
    return "-".join("".join(chars[i : i + 4]) for i in range(0, 12, 4))


def verify_tracking_secret(secret_key: str, dossier_code: str, candidate: str) -> bool:
    expected = tracking_secret(secret_key, dossier_code)
    return hmac.compare_digest(expected, candidate.strip().upper())
