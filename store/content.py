"""A document's bytes: staged as they stream in (sized, typed by their first bytes, hashed,
sealed to a temporary file), then kept under their SHA-256, or discarded with nothing left
behind; and read back, opened chunk by chunk."""

import contextlib
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from store.backends import Backend
from store.sealing import KeyRing, SealBroken, Sealer, open_sealed

# What a scan or a phone photo of a paper document can be. Judged from the content,
# never from the name a browser sends.
SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"%PDF-", 0, "application/pdf"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
    (b"WEBP", 8, "image/webp"),
)
SNIFF = 16


def sniff(head: bytes) -> str | None:
    for magic, offset, media_type in SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            if media_type == "image/webp" and head[:4] != b"RIFF":
                continue
            return media_type
    return None


class Rejected(Exception):
    """An upload refused by a rule; `rule` names it, for the message the person reads."""

    def __init__(self, rule: str, **details: object) -> None:
        super().__init__(rule)
        self.rule = rule
        self.details = details


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    accepted_types: frozenset[str]


@dataclass
class Staged:
    """Checked and sealed, not yet kept: `keep` or `discard` it."""

    sha256: str
    size: int
    media_type: str
    key_id: str
    path: Path

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


class Scan(Protocol):
    """One upload's scan, fed as it streams: a virus scanner (clamd) when configured."""

    async def feed(self, piece: bytes) -> None: ...

    async def verdict(self) -> str | None:
        """None when clean; otherwise what was found."""


class ContentStore:
    def __init__(
        self,
        backend: Backend,
        ring: KeyRing,
        spool: Path,
        scanner: Callable[[], Awaitable[Scan]] | None = None,
    ) -> None:
        self.backend = backend
        self.ring = ring
        self.spool = spool
        self.scanner = scanner

    async def stage(self, chunks: AsyncIterator[bytes], limits: Limits) -> Staged:
        """Reads the upload once: sized, typed by its first bytes, scanned, hashed and
        sealed to a spool file as it streams. Refused at the first broken rule, with the
        spool file gone."""
        self.spool.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=self.spool, suffix=".sealed")
        path = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                staged = await self._stage(chunks, limits, out, path)
        except BaseException:
            # Cancelled too (the client went away): nothing half-stored stays behind.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            raise
        return staged

    async def _stage(
        self, chunks: AsyncIterator[bytes], limits: Limits, out: BinaryIO, path: Path
    ) -> Staged:
        sealer = Sealer(self.ring)
        out.write(sealer.header())
        digest, size, head = hashlib.sha256(), 0, b""
        media_type: str | None = None
        scan = await self.scanner() if self.scanner is not None else None
        async for piece in chunks:
            size += len(piece)
            if size > limits.max_bytes:
                raise Rejected("too_large", limit=limits.max_bytes)
            if media_type is None:
                head += piece[: SNIFF - len(head)]
                if len(head) >= SNIFF:
                    media_type = self._judge(head, limits)
            digest.update(piece)
            if scan is not None:
                await scan.feed(piece)
            out.write(sealer.seal(piece))
        if size == 0:
            raise Rejected("empty")
        if media_type is None:
            media_type = self._judge(head, limits)
        if scan is not None and (found := await scan.verdict()) is not None:
            raise Rejected("infected", found=found)
        out.write(sealer.finish())
        return Staged(digest.hexdigest(), size, media_type, sealer.key_id, path)

    @staticmethod
    def _judge(head: bytes, limits: Limits) -> str:
        media_type = sniff(head)
        if media_type is None or media_type not in limits.accepted_types:
            raise Rejected("type", found=media_type or "unknown")
        return media_type

    async def keep(self, staged: Staged) -> None:
        """Kept under its SHA-256; the same content uploaded twice is kept once."""
        try:
            if not await self.backend.exists(staged.sha256):
                await self.backend.put(staged.sha256, staged.path)
        finally:
            staged.discard()

    async def forget(self, sha256: str) -> None:
        await self.backend.delete(sha256)

    async def read(self, sha256: str) -> AsyncIterator[bytes]:
        """The plaintext, chunk by chunk. The last chunk is held back until the whole has
        been checked against its address: a reader never gets a complete wrong file."""
        digest = hashlib.sha256()
        held: bytes | None = None
        async for piece in open_sealed(self.ring, self.backend.get(sha256)):
            digest.update(piece)
            if held is not None:
                yield held
            held = piece
        if digest.hexdigest() != sha256:
            raise SealBroken(f"object {sha256[:12]}… does not hold the content its name says")
        if held:
            yield held
