"""A virus scan through clamd's INSTREAM command, fed while the upload streams in.

The protocol (clamd(8)): `zINSTREAM\\0`, then chunks each prefixed with its length as four
big-endian bytes, then a zero length; clamd answers `stream: OK` or
`stream: <signature> FOUND`, ended by a NUL.
"""

import asyncio
import struct

from store.content import Scan

# clamd's StreamMaxLength defaults to 25 MB; chunks well under its buffer.
_CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    pass


class ClamdScan:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def feed(self, piece: bytes) -> None:
        for start in range(0, len(piece), _CHUNK):
            part = piece[start : start + _CHUNK]
            self._writer.write(struct.pack(">I", len(part)) + part)
        await self._writer.drain()

    async def verdict(self) -> str | None:
        try:
            self._writer.write(struct.pack(">I", 0))
            await self._writer.drain()
            answer = (await self._reader.readuntil(b"\0")).rstrip(b"\0").decode()
        finally:
            self._writer.close()
        if answer.endswith("OK"):
            return None
        if answer.endswith("FOUND"):
            return answer.removeprefix("stream:").removesuffix("FOUND").strip()
        raise ScannerUnavailable(f"clamd answered {answer!r}")


class Clamd:
    """`host:port` of a clamd listening on TCP."""

    def __init__(self, address: str, timeout: float = 30.0) -> None:
        host, _, port = address.rpartition(":")
        self.host, self.port, self.timeout = host or "127.0.0.1", int(port), timeout

    async def __call__(self) -> Scan:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self.timeout
            )
        except (OSError, TimeoutError) as exc:
            raise ScannerUnavailable(f"clamd at {self.host}:{self.port}: {exc}") from exc
        writer.write(b"zINSTREAM\0")
        return ClamdScan(reader, writer)
