"""An issued form as PDF: typeset on its first download, then kept."""

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dossiers import keep_typeset, latest_form
from motcua.documents import typeset_in_thread
from services.errors import NotFound


@dataclass(frozen=True)
class FormPdf:
    content: bytes
    filename: str


async def form_pdf(session: AsyncSession, code: str, form: str) -> FormPdf:
    """The latest issue of form `form` ("01"–"05") of the dossier, or not found."""
    row = await latest_form(session, code, form)
    if row is None:
        raise NotFound(
            f"Hồ sơ «{code}» chưa có mẫu số {form}.", f"Dossier '{code}' has no form {form}."
        )
    pdf = row.content
    if pdf is None:
        assert row.html is not None, "issued forms keep their words"
        assert row.id is not None, "a stored form has its id"
        pdf = await typeset_in_thread(row.html)
        await keep_typeset(session, row.id, pdf)
    return FormPdf(pdf, row.filename)
