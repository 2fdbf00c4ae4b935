"""The reference data shipped with motcua: the province's units and its procedure catalogue.

Files are validated by the Pydantic models in `schemas` when loaded; an error names the file,
the procedure or unit, and the field.
"""

import csv
import tomllib
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, Field, ValidationError

from schemas.escalation import Ladder, Rung
from schemas.messages import MessageKind
from schemas.procedure import ProcedureDefinition
from schemas.results import ResultKind, ResultSpec
from schemas.unit import Level, OrgUnit, UnitKind

DATA_DIR = Path(__file__).parent / "data"
PROCEDURES_DIR = Path(__file__).parent / "procedures"
RESULTS_DIR = Path(__file__).parent / "results"

M = TypeVar("M", bound=BaseModel)


class CatalogueError(ValueError):
    """A catalogue file that does not validate; the message names what and where."""


def _describe(errors: ValidationError, source: str, subject: str) -> CatalogueError:
    lines = [
        f"{source}: {subject}: field '{'.'.join(str(p) for p in e['loc'])}': {e['msg']}"
        for e in errors.errors()
    ]
    return CatalogueError("\n".join(lines))


def _validated(model: type[M], raw: dict[str, object], source: str, subject: str) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise _describe(exc, source, subject) from None


def _ascii_name(name: str) -> str:
    # English names of communes are their Vietnamese names without tone marks.
    name = name.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


def load_units(data_dir: Path = DATA_DIR) -> list[OrgUnit]:
    province_file = data_dir / "province.toml"
    province_data = tomllib.loads(province_file.read_text(encoding="utf-8"))
    province = province_data["province"]
    units = [
        _validated(
            OrgUnit,
            {**province, "kind": UnitKind.PROVINCE_COMMITTEE, "level": Level.PROVINCE},
            province_file.name,
            f"unit {province.get('code')}",
        )
    ]
    for raw in province_data.get("units", []):
        raw = {"level": Level.PROVINCE, "parent_code": province["code"], **raw}
        units.append(_validated(OrgUnit, raw, province_file.name, f"unit {raw.get('code')}"))
    communes_file = data_dir / "daklak_communes.csv"
    with communes_file.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            kind = UnitKind.WARD if row["kind"] == "ward" else UnitKind.COMMUNE
            bare = row["name"].removeprefix("Phường ").removeprefix("Xã ")
            suffix = "Ward" if kind is UnitKind.WARD else "Commune"
            raw_unit = {
                "code": row["slug"],
                "e_id": row["e_id"],
                "name_vi": row["name"],
                "name_en": f"{_ascii_name(bare)} {suffix}",
                "kind": kind,
                "level": Level.COMMUNE,
                "parent_code": province["code"],
                "receives_dossiers": True,
            }
            units.append(
                _validated(OrgUnit, raw_unit, communes_file.name, f"unit {row.get('slug')}")
            )
    _check_unique(units)
    return units


def _check_unique(units: Iterable[OrgUnit]) -> None:
    seen_codes: set[str] = set()
    seen_eids: set[str] = set()
    for unit in units:
        if unit.code in seen_codes:
            raise CatalogueError(f"unit {unit.code}: field 'code': duplicate code")
        if unit.e_id in seen_eids:
            raise CatalogueError(f"unit {unit.code}: field 'e_id': duplicate e-ID {unit.e_id}")
        seen_codes.add(unit.code)
        seen_eids.add(unit.e_id)


def load_procedures(directory: Path = PROCEDURES_DIR) -> list[ProcedureDefinition]:
    procedures = []
    for path in sorted(directory.glob("*.toml")):
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise CatalogueError(f"{path.name}: not valid TOML: {exc}") from None
        procedures.append(
            _validated(ProcedureDefinition, raw, path.name, f"procedure {raw.get('code', '?')}")
        )
    return procedures


def load_default_ladder(data_dir: Path = DATA_DIR) -> list[Rung]:
    path = data_dir / "escalation.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return _validated(Ladder, raw, path.name, "escalation ladder").rungs


def load_results(data_dir: Path = DATA_DIR) -> dict[str, ResultSpec]:
    """What each procedure issues when it grants, by procedure code."""
    path = data_dir / "results.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        code: _validated(ResultSpec, entry, path.name, f"result of procedure {code}")
        for code, entry in raw.items()
    }


def result_spec(procedure: ProcedureDefinition, granted: bool) -> ResultSpec:
    """The paper a decision issues: the procedure's own when granted, a letter of refusal
    (Decree 118/2025 art. 18: in writing, with the reasons) when not."""
    if not granted:
        return ResultSpec(
            kind=ResultKind.REFUSAL,
            title_vi="VĂN BẢN TRẢ LỜI VỀ VIỆC TỪ CHỐI GIẢI QUYẾT HỒ SƠ",
            title_en="Letter of refusal",
            grants_vi="Từ chối giải quyết thủ tục hành chính của",
            number_suffix="/TB-TC",
        )
    return load_results().get(procedure.code) or ResultSpec(
        title_vi=f"QUYẾT ĐỊNH VỀ VIỆC {procedure.name_vi.upper()}",
        title_en=f"Decision: {procedure.name_en}",
        grants_vi="Giải quyết thủ tục hành chính cho",
        number_suffix="/QĐ",
    )


class MessageTemplate(BaseModel):
    vi: str = Field(min_length=3, max_length=600)
    en: str = Field(min_length=3, max_length=600)


def load_messages(data_dir: Path = DATA_DIR) -> dict[MessageKind, MessageTemplate]:
    """What the applicant is told, per kind of message; every kind must be worded."""
    path = data_dir / "messages.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    templates = {
        MessageKind(kind): _validated(MessageTemplate, entry, path.name, f"message {kind}")
        for kind, entry in raw.items()
    }
    missing = set(MessageKind) - set(templates)
    if missing:
        raise CatalogueError(f"{path.name}: no words for {', '.join(sorted(missing))}")
    return templates


def load_portal_procedures(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """National procedure code → the catalogue's code, for dossiers filed on the portal."""
    path = data_dir / "portal.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in raw.get("procedures", {}).items()}
