"""Signed results as their readers meet them: verified by anyone (a PDF, or a code and a
hash), downloaded by the applicant once delivered, looked up by staff in the registry."""

import hashlib
import re
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfReadError
from sqlalchemy import Row
from sqlmodel.ext.asyncio.session import AsyncSession

from db import results as registry
from db.models import IssuedResultRow
from db.search import fold
from schemas.lifecycle import Role
from schemas.results import (
    RESULT_SLOT,
    RegistryEntry,
    RegistryPage,
    ResultKind,
    SignatureCheck,
    Verification,
)
from schemas.status import DossierStatus
from schemas.users import StaffUser
from services.access import province_wide
from services.errors import FieldError, Forbidden
from signing.pades import verify

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
STAFF_DOCUMENT = "/api/v1/dossiers/{code}/documents/{id}"


def entry(row: IssuedResultRow, unit_name: str, *, public: bool = False) -> RegistryEntry:
    kind = ResultKind(row.kind)
    return RegistryEntry(
        number=row.number,
        kind=kind,
        kind_name_vi=kind.name_vi,
        title=row.title,
        decision=row.decision,
        dossier_code=row.dossier_code,
        procedure_code=row.procedure_code,
        issuing_unit=row.issuing_unit,
        issuing_unit_name=unit_name,
        # Anyone may verify; only staff see whose ID it is.
        holder_name=row.holder_name,
        holder_id_number=_masked(row.holder_id_number) if public else row.holder_id_number,
        issued_at=row.issued_at,
        valid_until=row.valid_until,
        signer=row.signer,
        sha256=row.sha256,
        document_url=""
        if public
        else STAFF_DOCUMENT.format(code=row.dossier_code, id=row.document_id),
    )


def _masked(number: str) -> str:
    return "•" * max(len(number) - 3, 0) + number[-3:]


async def verify_file(
    session: AsyncSession, pdf: bytes, roots: list[asn1_x509.Certificate]
) -> Verification:
    """Every signature of the file judged against the trusted roots, and the registry's
    word on it: the same bytes were issued under a number, or not."""
    sha256 = hashlib.sha256(pdf).hexdigest()
    try:
        verdicts = await verify(pdf, roots) if pdf.startswith(b"%PDF-") else []
    except (PdfReadError, ValueError):
        verdicts = []
    checks = [
        SignatureCheck(
            signer=v.signer,
            signed_at=v.signed_at,
            intact=v.intact,
            trusted=v.trusted,
            valid_at_signing=v.valid_at_signing,
            covers_whole_document=v.covers_whole_document,
            good=v.good,
        )
        for v in verdicts
    ]
    found = await registry.by_hash(session, sha256)
    issued = None if found is None else entry(*found, public=True)
    return _judged(sha256, checks, issued)


async def verify_code(session: AsyncSession, code: str, sha256: str) -> Verification:
    """A code (the dossier's or the result's number) and the SHA-256 of the file in hand:
    whether that file is what was issued under the code."""
    digest = sha256.strip().lower()
    if not _SHA256.match(digest):
        raise FieldError(
            ("query", "sha256"),
            "sha256",
            "Mã băm SHA-256 gồm 64 ký tự 0–9, a–f.",
            "A SHA-256 hash is 64 characters 0–9, a–f.",
        )
    found = await registry.by_hash(session, digest)
    if found is not None and code.strip() not in (found[0].number, found[0].dossier_code):
        found = None
    return _judged(digest, None, None if found is None else entry(*found, public=True))


def _judged(
    sha256: str, checks: list[SignatureCheck] | None, issued: RegistryEntry | None
) -> Verification:
    signed = checks is None or bool(checks)
    changed = checks is not None and any(not c.intact for c in checks)
    untrusted = checks is not None and any(not (c.trusted and c.valid_at_signing) for c in checks)
    if changed:
        verdict, vi, en = (
            "changed",
            "Tệp đã bị sửa đổi sau khi ký: chữ ký không còn khớp với nội dung. Không sử dụng.",
            "The file was altered after it was signed: the signature no longer matches.",
        )
    elif issued is not None and not untrusted and signed:
        verdict, vi, en = (
            "genuine",
            f"Văn bản số {issued.number} do {issued.issuing_unit_name} ban hành: chữ ký số "
            "hợp lệ, nội dung nguyên vẹn từ khi ký.",
            f"Result {issued.number} issued by {issued.issuing_unit_name}: the signature is "
            "valid and the content unchanged since signing.",
        )
    elif checks and not untrusted:
        verdict, vi, en = (
            "signed_unregistered",
            "Chữ ký số hợp lệ nhưng văn bản không có trong kho kết quả của tỉnh.",
            "The signature is valid, but the province's results registry has no such file.",
        )
    elif checks:
        verdict, vi, en = (
            "untrusted",
            "Chữ ký không được chứng thực bởi tổ chức cung cấp dịch vụ chứng thực tin cậy, "
            "hoặc chứng thư số không còn hiệu lực khi ký.",
            "The signature is not from a trusted authority, or its certificate was not "
            "valid when it signed.",
        )
    else:
        verdict, vi, en = (
            "unknown",
            "Không tìm thấy văn bản này trong kho kết quả, và tệp không có chữ ký số."
            if checks is not None
            else "Không có văn bản nào được ban hành với mã và mã băm này.",
            "No such result was issued, and the file carries no signature."
            if checks is not None
            else "No result was issued under this code with this hash.",
        )
    return Verification(
        verdict=verdict,
        message_vi=vi,
        message_en=en,
        sha256=sha256,
        signatures=checks or [],
        issued=issued,
    )


async def search(session: AsyncSession, user: StaffUser, q: str) -> RegistryPage:
    text = " ".join(q.split())
    if len(text) < 2:
        raise FieldError(
            ("query", "q"),
            "query_too_short",
            "Nhập ít nhất 2 ký tự: số văn bản, mã hồ sơ, số định danh hoặc họ tên.",
            "Type at least 2 characters: a result number, dossier code, ID number or name.",
        )
    if user.role is Role.ADMIN:
        raise Forbidden(
            "Quản trị viên không tra cứu kho kết quả.", "Administrators do not search results."
        )
    units = None if province_wide(user) else [user.unit]
    total, rows = await registry.search(session, text, fold(text), units)
    return RegistryPage(query=text, total=total, items=[entry(r, name) for r, name in rows])


def delivered(row: Row[Any] | Any) -> bool:
    """The applicant holds the signed result once it was returned electronically."""
    snapshot = row.snapshot
    return (
        DossierStatus(row.status) is DossierStatus.RESULT_RETURNED
        and snapshot.get("result") is not None
        and snapshot.get("result_method") == "electronic"
    )


def citizen_may_read(row: Row[Any] | Any, slot: int) -> bool:
    return slot != RESULT_SLOT or delivered(row)
