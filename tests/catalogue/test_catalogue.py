"""The catalogue files validate, and a bad one is reported by file, procedure and field."""

import shutil
from pathlib import Path

import pytest

import catalogue
from catalogue import CatalogueError


def test_shipped_catalogue_validates() -> None:
    codes = {p.code for p in catalogue.load_procedures()}

    assert {"1.001193", "2.000488"} <= codes


def test_units_carry_unique_codes_and_e_ids() -> None:
    units = catalogue.load_units()

    assert len({u.code for u in units}) == len({u.e_id for u in units}) == len(units)
    assert sum(1 for u in units if u.level == "commune") == 102


def test_commune_english_names_drop_tone_marks() -> None:
    names = {u.code: u.name_en for u in catalogue.load_units()}

    assert names["phuong-buon-ma-thuot"] == "Buon Ma Thuot Ward"
    assert names["xa-vu-bon"] == "Vu Bon Commune"


def test_a_bad_procedure_names_its_file_code_and_field(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(
        'code = "1.000656"\nversion = 0\nname_vi = "Đăng ký khai tử"\nname_en = "Death"\n'
        'level = "district"\n[time_limit]\nvalue = 0\nunit = "same_day"\n',
        encoding="utf-8",
    )

    with pytest.raises(CatalogueError) as error:
        catalogue.load_procedures(tmp_path)

    message = str(error.value)
    assert "bad.toml: procedure 1.000656: field 'version'" in message
    assert "bad.toml: procedure 1.000656: field 'level'" in message


def test_a_duplicate_e_id_is_refused(tmp_path: Path) -> None:
    shutil.copytree(catalogue.DATA_DIR, tmp_path, dirs_exist_ok=True)
    csv = tmp_path / "daklak_communes.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].rsplit(",", 1)[0] + "," + lines[1].rsplit(",", 1)[1]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(CatalogueError, match="field 'e_id': duplicate"):
        catalogue.load_units(tmp_path)


def test_all_twelve_example_procedures_are_in_the_catalogue() -> None:
    procedures = {p.code: p for p in catalogue.load_procedures()}

    assert len(procedures) >= 12
    land = procedures["DLK-DD-01"]
    assert land.level == "province"
    assert land.competent_unit == "vp-dang-ky-dat-dai"
    assert "financial_obligation" in land.pauses_allowed
    tax = next(step for step in land.steps if step.unit == "thue-tinh")
    assert tax.counts is False  # the tax authority's time is excluded
    assert sum(s.budget_working_days for s in land.steps if s.counts) == land.time_limit.value


def _write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "p.toml").write_text(body, encoding="utf-8")
    return tmp_path


BASE = (
    'code = "9.000123"\nversion = 1\nname_vi = "Thủ tục"\nname_en = "Procedure"\n'
    'level = "{level}"\n{extra}\n[time_limit]\nvalue = 3\nunit = "working_days"\n'
)


def test_steps_over_the_legal_limit_are_refused(tmp_path: Path) -> None:
    steps = (
        '\n[[steps]]\nname_vi = "Thẩm định"\nname_en = "Appraise"\nlevel = "commune"\n'
        'role = "officer"\nbudget_working_days = 4\n'
    )
    with pytest.raises(CatalogueError, match=r"procedure 9\.000123.*exceed the legal time limit"):
        catalogue.load_procedures(_write(tmp_path, BASE.format(level="commune", extra="") + steps))


def test_a_province_procedure_must_name_its_authority(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="competent_unit"):
        catalogue.load_procedures(_write(tmp_path, BASE.format(level="province", extra="")))
