"""An issued form as PDF: typeset on its first download, sealed by the unit, then kept."""

import logging
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from db.dossiers import keep_typeset, latest_form
from services.errors import NotFound
from signing.pades import SigningRefused
from signing.seals import Signing
from signing.typeset import typeset_in_thread

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FormPdf:
    content: bytes
    filename: str


async def form_pdf(
    session: AsyncSession, code: str, form: str, seal: Signing | None = None
) -> FormPdf:
    """The latest issue of form `form` ("01"–"05") of the dossier, or not found. With a
    token, the unit's seal signs it, so the receipt a citizen holds can be verified."""
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
        if seal is None:
            await keep_typeset(session, row.id, pdf)
            return FormPdf(pdf, row.filename)
        try:
            pdf = await seal.seal(pdf, f"Mẫu số {form} – hồ sơ {code}", "Việt Nam")
        except SigningRefused as refused:
            # The citizen still gets the form; it is sealed on a later download.
            log.warning("form %s of %s not sealed: %s", form, code, refused)
            return FormPdf(pdf, row.filename)
        await keep_typeset(session, row.id, pdf)
    return FormPdf(pdf, row.filename)
