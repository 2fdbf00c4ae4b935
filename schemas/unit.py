"""Organisation units of the two-level government: province bodies, centres, communes and wards."""

from enum import StrEnum

from pydantic import BaseModel, Field


class Level(StrEnum):
    PROVINCE = "province"
    COMMUNE = "commune"


class UnitKind(StrEnum):
    PROVINCE_COMMITTEE = "province_committee"
    DEPARTMENT = "department"
    AGENCY = "agency"
    SERVICE_CENTRE = "service_centre"
    COMMUNE = "commune"
    WARD = "ward"


UNIT_CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
# Circular 03/2025 agency e-ID, e.g. 000.00.00.H17; Đắk Lắk's post-merger ids are placeholders.
E_ID_PATTERN = r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2}$"


class OrgUnit(BaseModel):
    code: str = Field(pattern=UNIT_CODE_PATTERN)
    e_id: str = Field(pattern=E_ID_PATTERN)
    name_vi: str = Field(min_length=2, max_length=200)
    name_en: str = Field(min_length=2, max_length=200)
    kind: UnitKind
    level: Level
    parent_code: str | None = None
    # Communes and service centres run a one-stop counter; departments receive through the
    # provincial centre.
    receives_dossiers: bool = False
