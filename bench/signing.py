"""Signatures per second on the PKCS#11 token: a result rendered once, then signed by the
leader's key and sealed over by the unit's (two signatures, as `approve` does), one after
another and with several waiting at once.

    python -m bench.signing [--results 50] [--concurrency 4]

Provisions its own SoftHSM2 token and demo CA in a scratch folder (as `make run` does),
so the figures are the token's and pyHanko's, not the network's.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from motcua.settings import Settings
from motcua.signing import demo_token, signing
from signing.pades import verify
from signing.seals import Signing
from signing.typeset import typeset_in_thread

PAGE = """<html><body style="font-family: DejaVu Serif">
<h3>ỦY BAN NHÂN DÂN XÃ VỤ BỔN</h3><h2>GIẤY CHỨNG NHẬN</h2>
<p>Số: {n}/GCN-UBND · Nguyễn Văn Tải · 066190009999</p>
<div style="height: 140px"></div></body></html>"""


async def _measure(sign: Signing, results: int, concurrency: int) -> None:
    started = time.perf_counter()
    pdf = await typeset_in_thread(PAGE.format(n=1))
    typeset_ms = 1000 * (time.perf_counter() - started)
    signed = await sign.sign_result(pdf, "Ký duyệt kết quả", "Đắk Lắk")  # warm-up: login
    verdicts = await verify(signed, sign.roots)
    if len(verdicts) != 2 or not all(v.good for v in verdicts):
        raise RuntimeError(f"the token's signatures do not verify: {verdicts}")

    started = time.perf_counter()
    for _ in range(results):
        await sign.sign_result(pdf, "Ký duyệt kết quả", "Đắk Lắk")
    serial = time.perf_counter() - started

    pending = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with pending:
            await sign.sign_result(pdf, "Ký duyệt kết quả", "Đắk Lắk")

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(results)))
    together = time.perf_counter() - started

    started = time.perf_counter()
    for _ in range(results):
        await sign.seal(pdf, "Đóng dấu", "Đắk Lắk")
    sealed = time.perf_counter() - started

    print(f"typesetting one result page: {typeset_ms:.0f} ms (once)")
    print(
        f"results signed and sealed one after another: {results / serial:.1f}/s "
        f"({1000 * serial / results:.0f} ms each, {2 * results / serial:.1f} signatures/s)"
    )
    print(
        f"results signed with {concurrency} waiting at once: {results / together:.1f}/s "
        f"({2 * results / together:.1f} signatures/s; the token signs one at a time)"
    )
    print(f"forms sealed (one signature): {results / sealed:.1f}/s "
          f"({1000 * sealed / results:.0f} ms each)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is None:
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(secret_key="b" * 32, data_dir=Path(folder))
            env = {**os.environ, **demo_token(settings)}
            if "MOTCUA_SIGNING_PKCS11_LIBRARY" not in env:
                sys.exit("SoftHSM2 is not installed (apt-get install softhsm2)")
            # A process sees only the tokens there were when it loaded the library.
            command = [
                sys.executable,
                "-m",
                "bench.signing",
                "--child",
                "1",
                "--results",
                str(args.results),
                "--concurrency",
                str(args.concurrency),
            ]
            subprocess.run(command, env=env, check=True)  # fmt: skip
        return
    sign = signing(Settings(secret_key="b" * 32))
    assert sign is not None, "the token the parent provisioned"
    asyncio.run(_measure(sign, args.results, args.concurrency))


if __name__ == "__main__":
    main()
