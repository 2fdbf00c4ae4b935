"""Serving an issued form as PDF: typeset on its first download, then kept."""

from fastapi.responses import Response
from sqlmodel.ext.asyncio.session import AsyncSession

from db.dossiers import keep_typeset
from db.models import DossierFormRow
from motcua.documents import typeset_in_thread


async def form_pdf(session: AsyncSession, row: DossierFormRow) -> Response:
    pdf = row.content
    if pdf is None:
        assert row.html is not None, "issued forms keep their words"
        assert row.id is not None, "a stored form has its id"
        pdf = await typeset_in_thread(row.html)
        await keep_typeset(session, row.id, pdf)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{row.filename}"'},
    )
