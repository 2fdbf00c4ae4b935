"""Signed results over HTTP: anyone verifies a file (or a code and its hash); staff search
the results registry (kho kết quả)."""

from typing import Annotated

from fastapi import Depends, File, Query, UploadFile

from api.auth import CurrentUser
from api.deps import ResourcesDep, SessionDep
from api.routing import api_router
from api.tracking import rate_limited
from schemas.results import RegistryPage, Verification
from services import results
from services.errors import FieldError

router = api_router(tags=["results"])
# A signed result is a few hundred kilobytes; a scan passed off as one is refused early.
MAX_VERIFY_BYTES = 20 * 1024 * 1024


async def read_upload(upload: UploadFile) -> bytes:
    content = await upload.read(MAX_VERIFY_BYTES + 1)
    if len(content) > MAX_VERIFY_BYTES:
        raise FieldError(
            ("body", "file"),
            "too_large",
            "Tệp lớn hơn 20 MB; văn bản kết quả ký số thường chỉ vài trăm KB.",
            "The file is larger than 20 MB; a signed result is a few hundred KB.",
        )
    return content


@router.post(
    "/verify",
    response_model=Verification,
    dependencies=[Depends(rate_limited)],
    summary="Verify a signed result (Xác thực văn bản): who signed, when, changed since?",
)
async def verify_file(
    file: Annotated[UploadFile, File(description="The PDF to verify")],
    session: SessionDep,
    resources: ResourcesDep,
) -> Verification:
    return await results.verify_file(session, await read_upload(file), resources.trust_roots)


@router.get(
    "/verify",
    response_model=Verification,
    dependencies=[Depends(rate_limited)],
    summary="Verify by the result's number (or dossier code) and the file's SHA-256",
)
async def verify_code(
    session: SessionDep,
    code: Annotated[str, Query(min_length=2, max_length=130)],
    sha256: Annotated[str, Query(min_length=1, max_length=80)],
) -> Verification:
    return await results.verify_code(session, code, sha256)


@router.get(
    "/results",
    response_model=RegistryPage,
    summary="Search the results registry (kho kết quả) by number, ID, dossier or name",
)
async def search_results(
    user: CurrentUser, session: SessionDep, q: Annotated[str, Query(max_length=100)] = ""
) -> RegistryPage:
    return await results.search(session, user, q)
