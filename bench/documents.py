"""Document store figures: 20 MB scans sealed in and opened out, throughput and peak memory.

    python -m bench.documents [--files 10] [--mb 20] [--s3-endpoint http://127.0.0.1:9000]

The file is generated piece by piece and never held whole, so the process's peak resident
memory above its start shows what the store itself holds (it should stay near a few chunks,
not near the file's size). With --s3-endpoint the same runs go to S3-compatible storage
(e.g. `python -m moto.server -p 9000`).
"""

import argparse
import asyncio
import os
import resource
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from store.backends import Backend, FolderBackend, S3Backend
from store.content import ContentStore, Limits
from store.sealing import KeyRing

PIECE = 64 * 1024


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def scan(size: int) -> AsyncIterator[bytes]:
    """A PDF-looking stream whose pieces all differ (numbered), from one random block per
    file, so that generating it costs next to nothing beside the store's own work."""
    block, sent, index = os.urandom(PIECE), 0, 0
    while sent < size:
        piece = (b"%PDF-1.7\n" if index == 0 else index.to_bytes(9, "big")) + block[9:]
        piece = piece[: size - sent]
        yield piece
        sent, index = sent + len(piece), index + 1


async def run(files: int, mb: int, backend: Backend, spool: Path) -> dict[str, float]:
    store = ContentStore(backend, KeyRing([("bench", os.urandom(32))]), spool)
    limits = Limits(mb * 1024 * 1024 + 1, frozenset({"application/pdf"}))
    size = mb * 1024 * 1024
    started, names = time.perf_counter(), []
    for _ in range(files):
        staged = await store.stage(scan(size), limits)
        await store.keep(staged)
        names.append(staged.sha256)
    stored = time.perf_counter() - started
    started = time.perf_counter()
    for name in names:
        async for _ in store.read(name):
            pass
    read = time.perf_counter() - started
    total = files * mb
    return {"in_mb_s": total / stored, "out_mb_s": total / read}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--s3-endpoint", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        backend: Backend = FolderBackend(root / "objects")
        if args.s3_endpoint:
            s3 = S3Backend(
                "bench", endpoint_url=args.s3_endpoint, access_key="bench", secret_key="bench"
            )
            asyncio.run(s3.ensure_bucket())
            backend = s3
        before = peak_rss_mb()
        figures = asyncio.run(run(args.files, args.mb, backend, root / "spool"))
        after = peak_rss_mb()
    kind = "s3" if args.s3_endpoint else "folder"
    print(f"backend {kind}: {args.files} files of {args.mb} MB")
    print(f"  sealed in   {figures['in_mb_s']:8.1f} MB/s")
    print(f"  opened out  {figures['out_mb_s']:8.1f} MB/s")
    print(f"  peak RSS    {after:8.1f} MB (at start {before:.1f} MB, +{after - before:.1f} MB)")


if __name__ == "__main__":
    main()
