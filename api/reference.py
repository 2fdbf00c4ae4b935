"""Reference data: the units that receive and decide, and the procedure catalogue."""

from api.deps import SessionDep
from api.routing import api_router
from db.reference import current_procedures, list_units
from schemas.procedure import ProcedureSummary
from schemas.unit import Level, OrgUnit

router = api_router(tags=["reference"])


@router.get("/units", response_model=list[OrgUnit], summary="Organisation units")
async def units(session: SessionDep, level: Level | None = None) -> list[OrgUnit]:
    rows = await list_units(session, None if level is None else level.value)
    return [OrgUnit.model_validate(row, from_attributes=True) for row in rows]


@router.get("/procedures", response_model=list[ProcedureSummary], summary="Procedure catalogue")
async def procedures(session: SessionDep) -> list[ProcedureSummary]:
    return [
        ProcedureSummary.model_validate(p.model_dump()) for p in await current_procedures(session)
    ]
