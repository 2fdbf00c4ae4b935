"""Sealed streams open to exactly what went in, and to nothing once touched."""

import os
from collections.abc import AsyncIterator

import pytest

from store.sealing import CHUNK, TAG, KeyRing, SealBroken, Sealer, open_sealed

OLD = ("2025", os.urandom(32))
NEW = ("2026", os.urandom(32))


def seal(ring: KeyRing, plain: bytes, piece: int = 10_000) -> bytes:
    sealer = Sealer(ring)
    out = bytearray(sealer.header())
    for start in range(0, len(plain), piece):
        out += sealer.seal(plain[start : start + piece])
    return bytes(out + sealer.finish())


async def pieces(data: bytes, size: int = 7_777) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def opened(ring: KeyRing, sealed: bytes) -> bytes:
    return b"".join([piece async for piece in open_sealed(ring, pieces(sealed))])


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5])
async def test_what_goes_in_comes_out(size: int) -> None:
    ring = KeyRing([NEW])
    plain = os.urandom(size)
    sealed = seal(ring, plain)
    # A byte or two of random plaintext turn up in any 40 bytes by chance (1 in 7 for one
    # byte); sixteen never do unless they were copied there.
    if size >= 16:
        assert plain[:64] not in sealed
    assert await opened(ring, sealed) == plain


async def test_a_rotated_ring_still_opens_what_the_old_key_sealed() -> None:
    plain = os.urandom(CHUNK + 10)
    sealed_before = seal(KeyRing([OLD]), plain)
    rotated = KeyRing([NEW, OLD])
    assert await opened(rotated, sealed_before) == plain
    assert seal(rotated, plain)[5 : 5 + len(NEW[0])] == NEW[0].encode()
    with pytest.raises(SealBroken, match="no key '2025'"):
        await opened(KeyRing([NEW]), sealed_before)


def _chunks(sealed: bytes) -> tuple[bytes, list[bytes]]:
    header = 5 + sealed[4] + 7
    body = sealed[header:]
    return sealed[:header], [body[i : i + CHUNK + TAG] for i in range(0, len(body), CHUNK + TAG)]


async def test_a_changed_byte_a_dropped_chunk_or_a_cut_end_is_refused() -> None:
    ring = KeyRing([NEW])
    sealed = seal(ring, os.urandom(3 * CHUNK + 100))
    header, chunks = _chunks(sealed)
    flipped = bytearray(sealed)
    flipped[len(header) + 1000] ^= 1
    for broken in (
        bytes(flipped),
        header + chunks[0] + chunks[2] + chunks[3],  # a chunk dropped
        header + b"".join(chunks[:3]),  # the end cut off at a chunk boundary
        sealed[:-1],  # the end cut inside a chunk
        header + chunks[1] + chunks[0] + chunks[2] + chunks[3],  # two chunks swapped
    ):
        with pytest.raises(SealBroken):
            await opened(ring, broken)


async def test_a_chunk_from_another_object_does_not_open_here() -> None:
    ring = KeyRing([NEW])
    first = seal(ring, os.urandom(2 * CHUNK))
    second = seal(ring, os.urandom(2 * CHUNK))
    header, chunks = _chunks(first)
    _, others = _chunks(second)
    with pytest.raises(SealBroken):
        await opened(ring, header + others[0] + chunks[1])
