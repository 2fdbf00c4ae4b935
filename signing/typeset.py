"""Typesetting HTML (an issued form, a result) into the PDF people download, print and sign."""

import asyncio


def typeset(html: str) -> bytes:
    import weasyprint  # heavy import, paid only by the process that typesets

    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf


async def typeset_in_thread(html: str) -> bytes:
    # WeasyPrint is CPU-bound; a thread keeps the event loop answering meanwhile.
    return await asyncio.to_thread(typeset, html)
