"""A dossier's documents over HTTP: multipart uploads, the list with every version, the
content streamed (inline for a preview, or as a download), and the access trail.

Staff reach them under /dossiers with the role × unit rules; the applicant under /track
with the secret on the receipt (see `api.tracking`).
"""

from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import quote

from fastapi import File, Form, UploadFile
from fastapi.responses import StreamingResponse

from api.auth import CurrentUser
from api.deps import ResourcesDep, SessionDep
from api.dossiers import CurrentDossier
from api.routing import api_router
from db.documents import list_accesses
from db.models import DossierDocumentRow
from schemas.documents import (
    AUTHORISATION_SLOT,
    OTHER_SLOT,
    AccessKind,
    ChecklistView,
    DocumentAccess,
    DocumentForm,
    DocumentView,
    Placement,
)
from schemas.status import Channel
from services import checklist, documents
from services.access import check_attach, check_read_documents
from services.documents import Incoming, Uploader

router = api_router(prefix="/dossiers", tags=["documents"])
READ_CHUNK = 256 * 1024

Files = Annotated[list[UploadFile], File(description="One or more files (PDF or images)")]
Slot = Annotated[
    int,
    Form(
        ge=AUTHORISATION_SLOT,
        le=99,
        description="Which required document (its index); -1: other; -2: letter of authorisation",
    ),
]
Kind = Annotated[DocumentForm, Form(description="The form in which the paper was given")]


async def chunks_of(upload: UploadFile) -> AsyncIterator[bytes]:
    # Starlette has spooled the part to disk past 1 MB; read it back a piece at a time.
    while piece := await upload.read(READ_CHUNK):
        yield piece


def incoming(files: list[UploadFile]) -> list[Incoming]:
    return [Incoming(f.filename or "", chunks_of(f)) for f in files]


def streamed(
    row: DossierDocumentRow, content: AsyncIterator[bytes], kind: AccessKind
) -> StreamingResponse:
    disposition = "attachment" if kind is AccessKind.DOWNLOAD else "inline"
    headers = {
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(row.filename)}",
        "Content-Length": str(row.size),
        # Personal papers: never kept by a shared cache.
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        # Shown in the dossier page's own preview frame, and by no other site's.
        "X-Frame-Options": "SAMEORIGIN",
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src "
        "'unsafe-inline'; frame-ancestors 'self'",
    }
    return StreamingResponse(content, media_type=row.media_type, headers=headers)


@router.post(
    "/{code}/documents",
    response_model=list[DocumentView],
    status_code=201,
    summary="Attach scans or files to a dossier (a new version of one required document)",
)
async def upload(
    dossier: CurrentDossier,
    files: Files,
    session: SessionDep,
    resources: ResourcesDep,
    user: CurrentUser,
    slot: Slot = OTHER_SLOT,
    form: Kind = DocumentForm.COPY,
) -> list[DocumentView]:
    check_attach(user, dossier)
    return await documents.upload(
        session,
        resources.content,
        resources.settings,
        (dossier.code, dossier.procedure_code, dossier.procedure_version),
        incoming(files),
        slot,
        form,
        Uploader(user.username, user.role.value, Channel.IN_PERSON),
    )


@router.get(
    "/{code}/documents",
    response_model=list[DocumentView],
    summary="The dossier's documents, every version, by required document",
)
async def listing(
    dossier: CurrentDossier, session: SessionDep, user: CurrentUser
) -> list[DocumentView]:
    check_read_documents(user, dossier)
    return await documents.views(
        session, dossier.code, dossier.procedure_code, dossier.procedure_version
    )


@router.get(
    "/{code}/documents/{document_id}",
    response_class=StreamingResponse,
    summary="A document's content: inline (a preview) or as a download; both are recorded",
    responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}},
)
async def content(
    dossier: CurrentDossier,
    document_id: str,
    session: SessionDep,
    resources: ResourcesDep,
    user: CurrentUser,
    download: bool = False,
) -> StreamingResponse:
    check_read_documents(user, dossier)
    kind = AccessKind.DOWNLOAD if download else AccessKind.VIEW
    row, stream = await documents.open_document(
        session, resources.content, dossier.code, document_id, (user.username, user.role), kind
    )
    return streamed(row, stream, kind)


@router.get(
    "/{code}/document-accesses",
    response_model=list[DocumentAccess],
    summary="Who viewed or downloaded which document version, when (append-only)",
)
async def accesses(
    dossier: CurrentDossier, session: SessionDep, user: CurrentUser
) -> list[DocumentAccess]:
    check_read_documents(user, dossier)
    return [
        DocumentAccess.model_validate(row, from_attributes=True)
        for row in await list_accesses(session, dossier.code)
    ]


@router.post(
    "/{code}/documents/{document_id}/placement",
    response_model=list[DocumentView],
    status_code=201,
    summary="Place a stored file against the required document it answers (a new version)",
)
async def place(
    dossier: CurrentDossier,
    document_id: str,
    body: Placement,
    session: SessionDep,
    user: CurrentUser,
) -> list[DocumentView]:
    check_attach(user, dossier)
    return await documents.place(
        session,
        (dossier.code, dossier.procedure_code, dossier.procedure_version),
        document_id,
        body.slot,
        Uploader(user.username, user.role.value, Channel.IN_PERSON),
    )


@router.get(
    "/{code}/checklist",
    response_model=ChecklistView,
    summary="The counter's checklist: each required paper received, missing or defective",
)
async def checklist_view(
    dossier: CurrentDossier, session: SessionDep, user: CurrentUser
) -> ChecklistView:
    check_read_documents(user, dossier)
    return await checklist.current(session, dossier)
