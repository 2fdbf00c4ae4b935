"""A dossier's documents and who read them: rows added, never changed."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import DocumentAccessRow, DossierDocumentRow


async def next_version(session: AsyncSession, code: str, slot: int) -> int:
    statement = select(func.coalesce(func.max(DossierDocumentRow.version), 0)).where(
        DossierDocumentRow.dossier_code == code, DossierDocumentRow.slot == slot
    )
    return int((await session.exec(statement)).one()) + 1


async def stored_bytes(session: AsyncSession, code: str) -> int:
    statement = select(func.coalesce(func.sum(DossierDocumentRow.size), 0)).where(
        DossierDocumentRow.dossier_code == code
    )
    return int((await session.exec(statement)).one())


async def add_documents(session: AsyncSession, rows: Sequence[DossierDocumentRow]) -> None:
    session.add_all(rows)
    # Flushed here, so that a second upload racing for the same version fails now, in the
    # request, while nothing is kept yet.
    await session.flush()


async def list_documents(session: AsyncSession, code: str) -> list[DossierDocumentRow]:
    statement = (
        select(DossierDocumentRow)
        .where(DossierDocumentRow.dossier_code == code)
        .order_by(
            col(DossierDocumentRow.slot),
            col(DossierDocumentRow.version),
            col(DossierDocumentRow.part),
        )
    )
    return list(await session.exec(statement))


async def get_document(
    session: AsyncSession, code: str, document_id: str
) -> DossierDocumentRow | None:
    row = await session.get(DossierDocumentRow, document_id)
    return row if row is not None and row.dossier_code == code else None


async def record_access(
    session: AsyncSession, row: DossierDocumentRow, actor: str, role: str, kind: str, at: datetime
) -> None:
    session.add(
        DocumentAccessRow(
            document_id=row.id,
            dossier_code=row.dossier_code,
            actor=actor,
            role=role,
            kind=kind,
            at=at,
        )
    )


async def list_accesses(session: AsyncSession, code: str) -> list[DocumentAccessRow]:
    statement = (
        select(DocumentAccessRow)
        .where(DocumentAccessRow.dossier_code == code)
        .order_by(col(DocumentAccessRow.id))
    )
    return list(await session.exec(statement))
