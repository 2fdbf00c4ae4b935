"""A dossier's documents: taken in (every file checked before any is kept), listed with the
procedure's names for them, and read back with a line in the access trail.

Nothing half-stored: files are staged (sized, typed, scanned, sealed to a spool) before a
row exists; one refused file refuses the whole upload and leaves no object and no row.
"""

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from db import documents as stored
from db.models import DossierDocumentRow
from db.reference import procedure_version
from motcua.settings import Settings
from schemas.documents import (
    AUTHORISATION_SLOT,
    OTHER_SLOT,
    AccessKind,
    DocumentForm,
    DocumentView,
)
from schemas.procedure import RequiredDocument
from schemas.results import RESULT_SLOT
from schemas.status import Channel
from services.errors import Conflict, NotFound, ServiceError
from store.clamd import ScannerUnavailable
from store.content import ContentStore, Limits, Rejected, Staged

MB = 1024 * 1024
# Where a document's content is read: by staff, or by the applicant with the secret.
STAFF_URL = "/api/v1/dossiers/{code}/documents"
CITIZEN_URL = "/api/v1/track/{code}/documents"


class UploadRefused(ServiceError):
    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "upload_refused"


@dataclass(frozen=True)
class Incoming:
    filename: str
    chunks: AsyncIterator[bytes]


@dataclass(frozen=True)
class Uploader:
    actor: str
    role: str
    channel: Channel


def limits(settings: Settings) -> Limits:
    accepted = frozenset(
        t.strip() for t in settings.documents_accepted_types.split(",") if t.strip()
    )
    return Limits(int(settings.documents_max_file_mb * MB), accepted)


def _refusal(filename: str, rejected: Rejected, settings: Settings) -> UploadRefused:
    name = filename or "(không tên)"
    accepted = settings.documents_accepted_types.replace("application/", "").replace("image/", "")
    messages = {
        "too_large": (
            f"Tệp «{name}» lớn hơn {settings.documents_max_file_mb:g} MB cho phép mỗi tệp.",
            f"File '{name}' is larger than the {settings.documents_max_file_mb:g} MB allowed.",
        ),
        "empty": (f"Tệp «{name}» rỗng.", f"File '{name}' is empty."),
        "type": (
            f"Tệp «{name}» không phải loại được nhận ({accepted}); loại được nhận biết theo "
            "nội dung tệp, không theo tên tệp.",
            f"File '{name}' is not an accepted kind ({accepted}); the kind is judged from "
            "the content, not the name.",
        ),
        "infected": (
            f"Tệp «{name}» bị phát hiện có mã độc; tệp không được lưu.",
            f"File '{name}' was found to carry malware; it is not stored.",
        ),
    }
    vi, en = messages[rejected.rule]
    return UploadRefused(vi, en, file=name, rule=rejected.rule, **rejected.details)


def slot_names(slot: int, required: Sequence[RequiredDocument]) -> tuple[str, str]:
    if 0 <= slot < len(required):
        return required[slot].name_vi, required[slot].name_en
    if slot == AUTHORISATION_SLOT:
        return "Văn bản ủy quyền", "Letter of authorisation"
    if slot == RESULT_SLOT:
        return "Kết quả giải quyết (bản điện tử, ký số)", "Result (electronic, signed)"
    return "Giấy tờ khác", "Other document"


def check_slot(slot: int, required: Sequence[RequiredDocument]) -> None:
    if slot not in (OTHER_SLOT, AUTHORISATION_SLOT) and not 0 <= slot < len(required):
        raise NotFound(
            f"Thủ tục không có thành phần hồ sơ số {slot}.",
            f"The procedure has no document {slot}.",
        )


async def upload(
    session: AsyncSession,
    content: ContentStore,
    settings: Settings,
    dossier: tuple[str, str, int],
    files: Sequence[Incoming],
    slot: int,
    form: DocumentForm,
    uploader: Uploader,
    base: str = STAFF_URL,
) -> list[DocumentView]:
    """`dossier` is (code, procedure code, procedure version). The files become one new
    version of the slot, in the order given."""
    _, procedure_code, procedure_version_number = dossier
    procedure = await procedure_version(session, procedure_code, procedure_version_number)
    assert procedure is not None, "a dossier's procedure version is kept"
    check_slot(slot, procedure.required_documents)
    if not files:
        raise UploadRefused("Chưa chọn tệp nào.", "No file was chosen.", rule="no_file")
    staged = await stage_all(content, settings, files)
    return await record_staged(
        session, content, settings, dossier, staged, (slot, form), uploader, base
    )


async def record_staged(
    session: AsyncSession,
    content: ContentStore,
    settings: Settings,
    dossier: tuple[str, str, int],
    staged: list[tuple[str, Staged]],
    answers: tuple[int, DocumentForm],
    uploader: Uploader,
    base: str = STAFF_URL,
) -> list[DocumentView]:
    """Staged files become rows and kept objects (or, on any failure, neither is left)."""
    code, procedure_code, procedure_version_number = dossier
    slot, form = answers
    try:
        already = await stored.stored_bytes(session, code)
        total = already + sum(s.size for _, s in staged)
        if total > settings.documents_max_dossier_mb * MB:
            raise UploadRefused(
                f"Tổng dung lượng tệp của hồ sơ vượt {settings.documents_max_dossier_mb:g} MB.",
                f"The dossier's files together exceed {settings.documents_max_dossier_mb:g} MB.",
                rule="dossier_too_large",
            )
        version = await stored.next_version(session, code, slot)
        now = datetime.now(UTC)
        rows = [
            DossierDocumentRow(
                id=str(uuid.uuid4()),
                dossier_code=code,
                slot=slot,
                version=version,
                part=part,
                form=form.value,
                filename=filename[:255] or f"tep-{part}",
                media_type=item.media_type,
                size=item.size,
                sha256=item.sha256,
                key_id=item.key_id,
                uploaded_by=uploader.actor,
                uploader_role=uploader.role,
                channel=uploader.channel,
                uploaded_at=now,
            )
            for part, (filename, item) in enumerate(staged, start=1)
        ]
        try:
            await stored.add_documents(session, rows)
        except IntegrityError:
            raise Conflict(
                "Một tệp khác vừa được nộp cho cùng thành phần; vui lòng gửi lại.",
                "Another file was just given for the same document; please send again.",
            ) from None
        for _, item in staged:
            await content.keep(item)
    finally:
        for _, item in staged:
            item.discard()
    procedure = await procedure_version(session, procedure_code, procedure_version_number)
    assert procedure is not None, "a dossier's procedure version is kept"
    return [view(row, procedure.required_documents, False, base) for row in rows]


async def place(
    session: AsyncSession,
    dossier: tuple[str, str, int],
    document_id: str,
    slot: int,
    uploader: Uploader,
) -> list[DocumentView]:
    """A file given as "other" (an online submission's papers) placed against the paper it
    answers: a new version of that slot holding the same content, so no byte is copied and
    the file's first place stays in the record."""
    code, procedure_code, procedure_version_number = dossier
    procedure = await procedure_version(session, procedure_code, procedure_version_number)
    assert procedure is not None, "a dossier's procedure version is kept"
    check_slot(slot, procedure.required_documents)
    source = await stored.get_document(session, code, document_id)
    if source is None:
        raise NotFound(
            f"Hồ sơ «{code}» không có tài liệu «{document_id}».",
            f"Dossier '{code}' has no document '{document_id}'.",
        )
    if source.slot == slot:
        raise Conflict(
            "Tài liệu đã thuộc thành phần hồ sơ này.",
            "The document already answers this paper.",
            reason="already_placed",
        )
    row = DossierDocumentRow(
        id=str(uuid.uuid4()),
        dossier_code=code,
        slot=slot,
        version=await stored.next_version(session, code, slot),
        part=1,
        form=source.form,
        filename=source.filename,
        media_type=source.media_type,
        size=source.size,
        sha256=source.sha256,
        key_id=source.key_id,
        uploaded_by=uploader.actor,
        uploader_role=uploader.role,
        channel=source.channel,
        uploaded_at=datetime.now(UTC),
        placed_from=source.id,
    )
    try:
        await stored.add_documents(session, [row])
    except IntegrityError:
        raise Conflict(
            "Một tệp khác vừa được nộp cho cùng thành phần; vui lòng thử lại.",
            "Another file was just given for the same document; please try again.",
        ) from None
    return await views(session, code, procedure_code, procedure_version_number)


async def stage_all(
    content: ContentStore, settings: Settings, files: Sequence[Incoming]
) -> list[tuple[str, Staged]]:
    """Every file staged, or none: the first refusal discards what was staged before it."""
    staged: list[tuple[str, Staged]] = []
    rules = limits(settings)
    try:
        for incoming in files:
            try:
                staged.append((incoming.filename, await content.stage(incoming.chunks, rules)))
            except Rejected as rejected:
                raise _refusal(incoming.filename, rejected, settings) from None
            except ScannerUnavailable:
                raise ServiceError(
                    "Không kiểm tra được mã độc lúc này; tệp chưa được lưu, vui lòng thử lại.",
                    "The malware scanner cannot be reached; nothing was stored, try again.",
                ) from None
    except BaseException:
        for _, item in staged:
            item.discard()
        raise
    return staged


def view(
    row: DossierDocumentRow,
    required: Sequence[RequiredDocument],
    superseded: bool,
    base: str = STAFF_URL,
) -> DocumentView:
    name_vi, name_en = slot_names(row.slot, required)
    return DocumentView(
        id=row.id,
        dossier_code=row.dossier_code,
        slot=row.slot,
        slot_name_vi=name_vi,
        slot_name_en=name_en,
        version=row.version,
        part=row.part,
        form=DocumentForm(row.form),
        filename=row.filename,
        media_type=row.media_type,
        size=row.size,
        sha256=row.sha256,
        uploaded_by=row.uploaded_by,
        uploader_role=row.uploader_role,
        channel=row.channel,
        uploaded_at=row.uploaded_at,
        superseded=superseded,
        placed_from=row.placed_from,
        url=f"{base.format(code=row.dossier_code)}/{row.id}",
    )


async def views(
    session: AsyncSession,
    code: str,
    procedure_code: str,
    procedure_version_number: int,
    base: str = STAFF_URL,
) -> list[DocumentView]:
    procedure = await procedure_version(session, procedure_code, procedure_version_number)
    assert procedure is not None, "a dossier's procedure version is kept"
    rows = await stored.list_documents(session, code)
    latest: dict[int, int] = {}
    for row in rows:
        latest[row.slot] = max(latest.get(row.slot, 0), row.version)
    required = procedure.required_documents
    return [view(row, required, row.version < latest[row.slot], base) for row in rows]


async def open_document(
    session: AsyncSession,
    content: ContentStore,
    code: str,
    document_id: str,
    reader: tuple[str, str],
    kind: AccessKind,
) -> tuple[DossierDocumentRow, AsyncIterator[bytes]]:
    """The row and its plaintext stream; the reading is written to the access trail in the
    request's transaction."""
    row = await stored.get_document(session, code, document_id)
    if row is None:
        raise NotFound(
            f"Hồ sơ «{code}» không có tài liệu «{document_id}».",
            f"Dossier '{code}' has no document '{document_id}'.",
        )
    actor, role = reader
    await stored.record_access(session, row, actor, role, kind.value, datetime.now(UTC))
    return row, content.read(row.sha256)
