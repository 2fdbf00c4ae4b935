"""Reference data in the database: the province's units and procedure versions."""

from collections import Counter

import pytest
from sqlmodel import col, select

import catalogue
from db.models import OrgUnitRow, ProcedureVersionRow
from db.reference import (
    ProcedureVersionConflict,
    current_procedure,
    load_procedures,
    load_units,
    procedure_version,
)
from db.session import SessionMaker
from schemas.procedure import ProcedureDefinition


async def test_all_102_communes_and_wards_are_loaded(sessionmaker: SessionMaker) -> None:
    async with sessionmaker() as session:
        kinds = Counter(
            await session.exec(select(OrgUnitRow.kind).where(OrgUnitRow.level == "commune"))
        )

    assert kinds == {"commune": 88, "ward": 14}


async def test_the_province_has_its_centre_and_departments(sessionmaker: SessionMaker) -> None:
    async with sessionmaker() as session:
        centre = await session.get(OrgUnitRow, "ttphcc-tinh")
        justice = await session.get(OrgUnitRow, "so-tu-phap")

    assert centre is not None
    assert centre.receives_dossiers
    assert centre.parent_code == "dak-lak"
    assert justice is not None
    assert not justice.receives_dossiers


async def test_loading_twice_changes_nothing(sessionmaker: SessionMaker) -> None:
    async with sessionmaker() as session, session.begin():
        await load_units(session, catalogue.load_units())
        await load_procedures(session, catalogue.load_procedures())
    async with sessionmaker() as session:
        units = len((await session.exec(select(OrgUnitRow))).all())
        shipped = {p.code for p in catalogue.load_procedures()}
        versions = len(
            (
                await session.exec(
                    select(ProcedureVersionRow).where(col(ProcedureVersionRow.code).in_(shipped))
                )
            ).all()
        )

    assert units == len(catalogue.load_units())
    assert versions == len(catalogue.load_procedures())


async def test_an_edited_published_version_is_refused(sessionmaker: SessionMaker) -> None:
    birth = next(p for p in catalogue.load_procedures() if p.code == "1.001193")
    edited = birth.model_copy(update={"fee_vnd": 5000})

    async with sessionmaker() as session:
        with pytest.raises(ProcedureVersionConflict, match=r"1\.001193: field 'version'"):
            await load_procedures(session, [edited])
        await session.rollback()


async def test_a_new_version_becomes_current_and_the_old_one_stays(
    sessionmaker: SessionMaker,
) -> None:
    base = ProcedureDefinition.model_validate(
        {
            "code": "9.000001",
            "version": 1,
            "name_vi": "Thủ tục thử nghiệm",
            "name_en": "Trial procedure",
            "level": "commune",
            "time_limit": {"value": 3, "unit": "working_days"},
        }
    )
    second = base.model_copy(update={"version": 2, "fee_vnd": 10000})
    try:
        async with sessionmaker() as session, session.begin():
            await load_procedures(session, [base])
            await load_procedures(session, [second])
        async with sessionmaker() as session:
            current = await current_procedure(session, "9.000001")
            first = await procedure_version(session, "9.000001", 1)
        assert current is not None
        assert current.version == 2
        assert current.fee_vnd == 10000
        assert first is not None
        assert first.fee_vnd == 0
    finally:
        async with sessionmaker() as session, session.begin():
            for row in await session.exec(
                select(ProcedureVersionRow).where(col(ProcedureVersionRow.code) == "9.000001")
            ):
                await session.delete(row)


async def test_a_procedure_naming_an_unknown_unit_is_refused(sessionmaker: SessionMaker) -> None:
    procedure = ProcedureDefinition.model_validate(
        {
            "code": "9.000777",
            "version": 1,
            "name_vi": "Thủ tục cấp tỉnh",
            "name_en": "Province procedure",
            "level": "province",
            "competent_unit": "so-khong-ton-tai",
            "time_limit": {"value": 5, "unit": "working_days"},
        }
    )

    async with sessionmaker() as session:
        with pytest.raises(ProcedureVersionConflict, match="field 'competent_unit'"):
            await load_procedures(session, [procedure])
        await session.rollback()
