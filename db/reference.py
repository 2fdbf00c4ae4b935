"""Loading the catalogue's units and procedure versions into the database, and reading them."""

from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import OrgUnitRow, ProcedureVersionRow
from db.upsert import insert_for, table_of
from schemas.procedure import ProcedureDefinition
from schemas.unit import OrgUnit


class ProcedureVersionConflict(ValueError):
    """A procedure that cannot be published: an edited old version, or an unknown unit."""


async def load_units(session: AsyncSession, units: list[OrgUnit]) -> None:
    table = table_of(OrgUnitRow)
    # Parents first, so the self-referencing foreign key holds on every insert.
    for unit in sorted(units, key=lambda u: u.parent_code is not None):
        values = unit.model_dump(mode="json")
        statement = (
            insert_for(session, OrgUnitRow)
            .values(**values, active=True)
            .on_conflict_do_update(
                index_elements=[table.c.code],
                set_={k: v for k, v in values.items() if k != "code"},
            )
        )
        await session.exec(statement)


async def load_procedures(session: AsyncSession, procedures: list[ProcedureDefinition]) -> None:
    """Add new versions; refuse an edited old one; mark each code's newest version current."""
    now = datetime.now(UTC)
    for procedure in procedures:
        await _check_units_exist(session, procedure)
        definition = procedure.model_dump(mode="json")
        existing = await session.get(ProcedureVersionRow, (procedure.code, procedure.version))
        if existing is not None:
            # Read through today's model: a field added since (with its default) is no edit.
            stored = ProcedureDefinition.model_validate(existing.definition)
            if stored.model_dump(mode="json") != definition:
                raise ProcedureVersionConflict(
                    f"procedure {procedure.code}: field 'version': version {procedure.version} "
                    "is already published with different content; publish the change as "
                    f"version {procedure.version + 1}"
                )
            continue
        session.add(
            ProcedureVersionRow(
                code=procedure.code,
                version=procedure.version,
                name_vi=procedure.name_vi,
                name_en=procedure.name_en,
                level=procedure.level.value,
                is_current=False,
                definition=definition,
                loaded_at=now,
            )
        )
    await session.flush()
    for code in {p.code for p in procedures}:
        newest = (
            await session.exec(
                select(ProcedureVersionRow.version)
                .where(ProcedureVersionRow.code == code)
                .order_by(col(ProcedureVersionRow.version).desc())
                .limit(1)
            )
        ).one()
        await session.exec(
            update(ProcedureVersionRow)
            .where(col(ProcedureVersionRow.code) == code)
            .values(is_current=col(ProcedureVersionRow.version) == newest)
        )


async def _check_units_exist(session: AsyncSession, procedure: ProcedureDefinition) -> None:
    named = [("competent_unit", procedure.competent_unit)] + [
        (f"steps.{index}.unit", step.unit) for index, step in enumerate(procedure.steps)
    ]
    for field, code in named:
        if code is not None and await session.get(OrgUnitRow, code) is None:
            raise ProcedureVersionConflict(
                f"procedure {procedure.code}: field '{field}': no unit with code '{code}'"
            )


async def current_procedure(session: AsyncSession, code: str) -> ProcedureDefinition | None:
    row = (
        await session.exec(
            select(ProcedureVersionRow).where(
                ProcedureVersionRow.code == code, col(ProcedureVersionRow.is_current)
            )
        )
    ).first()
    return None if row is None else ProcedureDefinition.model_validate(row.definition)


# A published version never changes (`load_procedures` refuses an edit), so each process
# keeps the ones it has read: every dossier page and tracking answer names its procedure,
# and validating a whole definition each time was most of that cost. Keyed by database too.
_VERSIONS: dict[tuple[str, str, int], ProcedureDefinition] = {}
_VERSIONS_KEPT = 4096


async def procedure_version(
    session: AsyncSession, code: str, version: int
) -> ProcedureDefinition | None:
    key = (str(session.get_bind().engine.url), code, version)
    kept = _VERSIONS.get(key)
    if kept is not None:
        return kept
    row = await session.get(ProcedureVersionRow, (code, version))
    if row is None:
        return None
    definition = ProcedureDefinition.model_validate(row.definition)
    if len(_VERSIONS) >= _VERSIONS_KEPT:
        _VERSIONS.clear()
    _VERSIONS[key] = definition
    return definition


async def current_procedures(session: AsyncSession) -> list[ProcedureDefinition]:
    rows = await session.exec(
        select(ProcedureVersionRow)
        .where(col(ProcedureVersionRow.is_current))
        .order_by(col(ProcedureVersionRow.code))
    )
    return [ProcedureDefinition.model_validate(row.definition) for row in rows]


async def get_unit(session: AsyncSession, code: str) -> OrgUnitRow | None:
    unit = await session.get(OrgUnitRow, code)
    return unit if unit is not None and unit.active else None


async def get_units(session: AsyncSession, codes: set[str]) -> dict[str, OrgUnitRow]:
    rows = await session.exec(select(OrgUnitRow).where(col(OrgUnitRow.code).in_(codes)))
    return {row.code: row for row in rows}


async def list_units(session: AsyncSession, level: str | None = None) -> list[OrgUnitRow]:
    statement = select(OrgUnitRow).where(col(OrgUnitRow.active)).order_by(col(OrgUnitRow.code))
    if level is not None:
        statement = statement.where(OrgUnitRow.level == level)
    return list(await session.exec(statement))
