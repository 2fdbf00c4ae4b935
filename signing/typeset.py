"""Typesetting HTML (an issued form, a result) into the PDF people download, print and sign."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

# One typesetting thread per process. WeasyPrint holds the GIL for most of its work and
# hands it back at every call into Pango: six pool threads typesetting at once cost 79 ms of
# CPU a page against 49 ms one after another, and finished no sooner on two cores, while
# the event loop waited behind them for the GIL.
_TYPESETTER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="typeset")


def typeset(html: str) -> bytes:
    import weasyprint  # heavy import, paid only by the process that typesets

    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf


async def typeset_in_thread(html: str) -> bytes:
    # CPU-bound: off the event loop, which keeps answering meanwhile.
    return await asyncio.get_running_loop().run_in_executor(_TYPESETTER, typeset, html)
