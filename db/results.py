"""The results registry's reads: by number or file hash (verification), by holder or name
(the counter reusing a result)."""

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import DossierRow, IssuedResultRow, OrgUnitRow


async def by_hash(session: AsyncSession, sha256: str) -> tuple[IssuedResultRow, str] | None:
    row = (
        await session.exec(
            select(IssuedResultRow, OrgUnitRow.name_vi)
            .join(OrgUnitRow, col(OrgUnitRow.code) == col(IssuedResultRow.issuing_unit))
            .where(IssuedResultRow.sha256 == sha256)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def search(
    session: AsyncSession, text: str, folded: str, units: list[str] | None, size: int = 50
) -> tuple[int, list[tuple[IssuedResultRow, str]]]:
    """By exact number, dossier code, holder ID or tax code anywhere in the province (the
    point of the registry: a result issued elsewhere is reused, not asked for); by name
    only among the results of `units` (None: every unit)."""
    exact = or_(
        col(IssuedResultRow.number) == text,
        col(IssuedResultRow.dossier_code) == text,
        col(IssuedResultRow.holder_id_number) == text,
    )
    # Names as the counter's search folds them (db.search), on its trigram index.
    named = col(DossierRow.applicant_search).contains(folded) if len(folded) >= 2 else None
    if named is not None and units is not None:
        named = named & or_(
            col(IssuedResultRow.issuing_unit).in_(units),
            col(DossierRow.receiving_unit).in_(units),
            col(DossierRow.returning_unit).in_(units),
        )
    statement = (
        select(IssuedResultRow, OrgUnitRow.name_vi)
        .join(DossierRow, col(DossierRow.code) == col(IssuedResultRow.dossier_code))
        .join(OrgUnitRow, col(OrgUnitRow.code) == col(IssuedResultRow.issuing_unit))
        .where(exact if named is None else or_(exact, named))
    )
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    rows = await session.exec(statement.order_by(col(IssuedResultRow.issued_at).desc()).limit(size))
    return int(total), [(r[0], r[1]) for r in rows]
