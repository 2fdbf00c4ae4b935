"""The document store on both backends: what is kept is sealed and named by its hash, what
is refused leaves nothing, and what comes back is checked against its name."""

import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from store.backends import Backend, FolderBackend, S3Backend
from store.clamd import Clamd
from store.content import ContentStore, Limits, Rejected
from store.sealing import KeyRing, SealBroken

RING = KeyRing([("k1", os.urandom(32))])
LIMITS = Limits(5 * 1024 * 1024, frozenset({"application/pdf", "image/jpeg", "image/png"}))
PDF = b"%PDF-1.7\n" + b"Nguyen Van An, CCCD 066201001234\n" * 20_000


async def pieces(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read_all(store: ContentStore, sha256: str) -> bytes:
    return b"".join([piece async for piece in store.read(sha256)])


@pytest.fixture(params=["folder", "s3"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "folder":
        yield FolderBackend(tmp_path / "objects")
        return
    endpoint = request.getfixturevalue("s3_endpoint")
    s3 = S3Backend(
        f"docs-{os.urandom(4).hex()}",
        endpoint_url=endpoint,
        access_key="test",
        secret_key="test",
    )
    await s3.ensure_bucket()
    yield s3


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    return tmp_path / "spool"


def spooled(spool: Path) -> list[Path]:
    return list(spool.iterdir()) if spool.exists() else []


async def test_kept_content_is_sealed_named_by_its_hash_and_reads_back(
    backend: Backend, spool: Path
) -> None:
    store = ContentStore(backend, RING, spool)
    staged = await store.stage(pieces(PDF), LIMITS)
    assert (staged.media_type, staged.size) == ("application/pdf", len(PDF))
    assert staged.sha256 == hashlib.sha256(PDF).hexdigest()
    await store.keep(staged)
    assert spooled(spool) == []
    assert await backend.exists(staged.sha256)
    raw = b"".join([piece async for piece in backend.get(staged.sha256)])
    assert b"Nguyen Van An" not in raw
    assert b"%PDF" not in raw
    assert await read_all(store, staged.sha256) == PDF


async def test_the_same_content_is_kept_once(backend: Backend, spool: Path) -> None:
    store = ContentStore(backend, RING, spool)
    first = await store.stage(pieces(PDF), LIMITS)
    await store.keep(first)
    before = b"".join([piece async for piece in backend.get(first.sha256)])
    second = await store.stage(pieces(PDF), LIMITS)
    await store.keep(second)
    after = b"".join([piece async for piece in backend.get(first.sha256)])
    assert before == after


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"MZ\x90\x00" + b"\x00" * 4000, "type"),  # a Windows program named scan.pdf
        (b"%PDF-1.7\n" + b"x" * (6 * 1024 * 1024), "too_large"),
        (b"", "empty"),
        (b"GIF89a" + b"\x00" * 100, "type"),  # an image, but not an accepted kind
    ],
)
async def test_a_refused_upload_leaves_nothing(
    backend: Backend, spool: Path, data: bytes, rule: str
) -> None:
    store = ContentStore(backend, RING, spool)
    with pytest.raises(Rejected) as refused:
        await store.stage(pieces(data), LIMITS)
    assert refused.value.rule == rule
    assert spooled(spool) == []
    assert not await backend.exists(hashlib.sha256(data).hexdigest())


async def test_an_object_under_another_name_is_refused_before_its_end(
    tmp_path: Path, spool: Path
) -> None:
    backend = FolderBackend(tmp_path / "objects")
    store = ContentStore(backend, RING, spool)
    kept = []
    for content in (PDF, PDF.replace(b"Nguyen", b"Tran Th")):
        staged = await store.stage(pieces(content), LIMITS)
        await store.keep(staged)
        kept.append(staged.sha256)
    # Someone with access to the disk puts the second document in the first one's place.
    first, second = (backend._path(sha) for sha in kept)
    first.write_bytes(second.read_bytes())
    received = bytearray()

    async def read() -> None:
        async for piece in store.read(kept[0]):
            received.extend(piece)

    with pytest.raises(SealBroken, match="does not hold"):
        await read()
    assert len(received) < len(PDF)


async def test_the_scanner_refuses_malware_and_passes_the_rest(
    clamd_address: str, tmp_path: Path, spool: Path
) -> None:
    from simulators.clamd import EICAR

    store = ContentStore(FolderBackend(tmp_path / "objects"), RING, spool, Clamd(clamd_address))
    infected = b"%PDF-1.4\n" + b"a" * 100_000 + EICAR + b"b" * 100
    with pytest.raises(Rejected) as refused:
        await store.stage(pieces(infected, 65_000), LIMITS)
    assert refused.value.rule == "infected"
    assert refused.value.details["found"] == "Eicar-Signature"
    assert spooled(spool) == []
    clean = await store.stage(pieces(PDF), LIMITS)
    assert clean.size == len(PDF)
