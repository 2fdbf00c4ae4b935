"""clamd's INSTREAM command (clamd(8)), as far as the document store uses it.

Debian packages clamd, but its signatures come from the internet (freshclam), which these
machines cannot reach; this speaks the same protocol and finds the EICAR test string.

    python -m simulators.clamd PORT
"""

import asyncio
import struct
import sys

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
MAX_STREAM = 25 * 1024 * 1024


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        command = await reader.readuntil(b"\0")
        if command != b"zINSTREAM\0":
            writer.write(b"UNKNOWN COMMAND\0")
            return
        seen, tail, total = False, b"", 0
        while True:
            (size,) = struct.unpack(">I", await reader.readexactly(4))
            if size == 0:
                break
            data = await reader.readexactly(size)
            total += size
            if total > MAX_STREAM:
                writer.write(b"INSTREAM size limit exceeded. ERROR\0")
                return
            window = tail + data
            seen = seen or EICAR in window
            tail = window[-len(EICAR) :]
        writer.write(b"stream: Eicar-Signature FOUND\0" if seen else b"stream: OK\0")
    finally:
        await writer.drain()
        writer.close()


async def main(port: int) -> None:
    server = await asyncio.start_server(serve, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
