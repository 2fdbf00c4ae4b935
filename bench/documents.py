"""Document store figures: 20 MB scans sealed in and opened out, throughput and peak memory.

    python -m bench.documents [--files 10] [--mb 20] [--s3-endpoint http://127.0.0.1:9000]
    python -m bench.documents --http [--files 12] [--mb 20] [--concurrency 3]

With --http the scans are uploaded as a clerk uploads them, through `motcua api` (its own
stack: bench/stack.py), and the figure is the API process's: upload throughput, and its peak
resident memory (the kernel's high-water mark) above what it held before the first upload.

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

import httpx

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


def _memory_mb(pid: int, field: str) -> float:
    """VmRSS (resident now) or VmHWM (the peak since start or the last reset), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field}")


def _reset_peak(pid: int) -> None:
    # Linux: the peak falls back to what is resident now (start-up's imports peaked higher).
    Path(f"/proc/{pid}/clear_refs").write_text("5")


async def over_http(files: int, mb: int, concurrency: int) -> None:
    # Imported here: the store's own figures need no stack.
    from bench.load import Driver
    from bench.queues import fresh_database
    from bench.stack import DATABASE, Stack
    from motcua.database import save_demo_staff
    from motcua.demo import DEMO_PASSWORD

    await fresh_database(DATABASE)
    await save_demo_staff(DATABASE, DEMO_PASSWORD)
    body = b"%PDF-1.7\n" + os.urandom(mb * 1024 * 1024 - 9)
    with tempfile.TemporaryDirectory() as workdir:
        stack = Stack(Path(workdir))
        stack.start()
        try:
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{stack.api_port}", timeout=300
            ) as api:
                driver = Driver(api)
                await driver.sign_in()
                # A dossier of its own for each scan: two at once for one paper of one
                # dossier are one version too many, and the second is asked to send again.
                codes = [(await driver.submit())[0] for _ in range(files)]
                headers = {"Authorization": driver.tokens["clerk.xa-vu-bon"]}
                api_pid = stack.processes["api"].pid
                before = _memory_mb(api_pid, "VmRSS")
                _reset_peak(api_pid)
                cpu_before = stack.cpu_seconds()["api"]
                waiting = asyncio.Semaphore(concurrency)

                async def upload(index: int) -> None:
                    code = codes[index]
                    async with waiting:
                        answer = await api.post(
                            f"/api/v1/dossiers/{code}/documents",
                            data={"slot": "0", "form": "copy"},
                            files=[("files", (f"scan-{index}.pdf", body, "application/pdf"))],
                            headers=headers,
                        )
                    if answer.status_code >= 300:
                        raise RuntimeError(f"upload: {answer.status_code} {answer.text[:200]}")

                started = time.perf_counter()
                await asyncio.gather(*(upload(i) for i in range(files)))
                took = time.perf_counter() - started
                peak = _memory_mb(api_pid, "VmHWM")
                cpu = stack.cpu_seconds()["api"] - cpu_before
        finally:
            stack.stop()
    print(f"over HTTP: {files} scans of {mb} MB, {concurrency} at once, through `motcua api`")
    print(f"  uploaded        {files * mb / took:8.1f} MB/s ({files / took:.2f} scans/s)")
    print(f"  API CPU         {1000 * cpu / files:8.0f} ms per scan")
    print(f"  API peak RSS    {peak:8.1f} MB (before the first upload {before:.1f} MB, "
          f"+{peak - before:.1f} MB)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--s3-endpoint", default="")
    parser.add_argument("--http", action="store_true", help="upload through the API")
    parser.add_argument("--concurrency", type=int, default=3)
    args = parser.parse_args()
    if args.http:
        asyncio.run(over_http(args.files, args.mb, args.concurrency))
        return
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
