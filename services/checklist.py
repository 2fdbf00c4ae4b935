"""The counter's checklist: the procedure's papers, each received (in which form), missing
or defective, and what it decides (Decree 118/2025 art. 15; Decision 766, indicator 4.2).

A paper the clerk does not mark is judged from the stored files: files in its slot mean
received in the form they were given, none means missing. The judgement writes Form 02's
list, refuses an acceptance while a mandatory paper is wanting (unless the clerk gives a
reason), and says whether the dossier is digitised: every received paper has a stored scan
or file. The clerk never ticks "digitised"; the evidence does.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from db import documents as stored
from db.dossiers import list_events
from db.models import DossierDocumentRow, DossierRow
from db.reference import procedure_version
from schemas.actions import Acceptance, ActionCommand, SupplementRequest, SupplementSubmission
from schemas.documents import (
    AUTHORISATION_SLOT,
    ChecklistLine,
    ChecklistMark,
    ChecklistView,
    DocumentForm,
    DocumentRef,
    Receipt,
)
from schemas.dossier import Applicant
from schemas.events import EventType
from schemas.procedure import ProcedureDefinition
from services.errors import FieldError

AUTHORISATION = ("Văn bản ủy quyền", "Letter of authorisation")
# The events whose data carry the counter's marks.
_CHECKED = (EventType.ACCEPTED.value, EventType.SUPPLEMENT_REQUESTED.value)


@dataclass(frozen=True)
class Paper:
    slot: int
    name_vi: str
    name_en: str
    mandatory: bool
    copies: int = 1
    original_for_comparison: bool = False


def papers(procedure: ProcedureDefinition, applicant: Applicant) -> list[Paper]:
    """The papers this applicant owes: the procedure's list, and the letter of authorisation
    when someone acts for them."""
    wanted = [
        Paper(i, d.name_vi, d.name_en, d.mandatory, d.copies, d.original_for_comparison)
        for i, d in enumerate(procedure.required_documents)
    ]
    if applicant.representative is not None:
        wanted.append(Paper(AUTHORISATION_SLOT, *AUTHORISATION, mandatory=True))
    return wanted


def _latest(rows: Sequence[DossierDocumentRow]) -> dict[int, list[DossierDocumentRow]]:
    """Each slot's files of its latest version."""
    by_slot: dict[int, list[DossierDocumentRow]] = {}
    for row in rows:
        kept = by_slot.get(row.slot)
        if kept is None or row.version > kept[0].version:
            by_slot[row.slot] = [row]
        elif row.version == kept[0].version:
            kept.append(row)
    return by_slot


def _checked_marks(
    marks: Sequence[ChecklistMark], wanted: Sequence[Paper]
) -> dict[int, ChecklistMark]:
    slots = {p.slot for p in wanted}
    seen: dict[int, ChecklistMark] = {}
    for index, mark in enumerate(marks):
        where = ("body", "checklist", str(index), "slot")
        if mark.slot not in slots:
            raise FieldError(
                where,
                "unknown_paper",
                f"Thủ tục không có thành phần hồ sơ số {mark.slot} cho người nộp này.",
                f"The procedure asks no paper {mark.slot} of this applicant.",
            )
        if mark.slot in seen:
            raise FieldError(
                where,
                "paper_marked_twice",
                f"Thành phần hồ sơ số {mark.slot} được đánh dấu hai lần.",
                f"Paper {mark.slot} is marked twice.",
            )
        seen[mark.slot] = mark
    return seen


def judge(
    code: str,
    wanted: Sequence[Paper],
    marks: Sequence[ChecklistMark],
    files: Sequence[DossierDocumentRow],
) -> ChecklistView:
    marked = _checked_marks(marks, wanted)
    latest = _latest(files)
    lines = []
    for paper in wanted:
        kept = latest.get(paper.slot, [])
        mark = marked.get(paper.slot)
        if mark is not None:
            state, form, note = mark.state, mark.form, mark.note
        elif kept:
            state, form, note = Receipt.RECEIVED, DocumentForm(kept[0].form), None
        else:
            state, form, note = Receipt.MISSING, None, None
        lines.append(
            ChecklistLine(
                slot=paper.slot,
                name_vi=paper.name_vi,
                name_en=paper.name_en,
                mandatory=paper.mandatory,
                copies=paper.copies,
                original_for_comparison=paper.original_for_comparison,
                state=state,
                form=form if state is Receipt.RECEIVED else None,
                note=note,
                marked=mark is not None,
                files=len(kept),
            )
        )
    received = [line for line in lines if line.state is Receipt.RECEIVED]
    return ChecklistView(
        code=code,
        lines=lines,
        missing_mandatory=[line.name_vi for line in lines if line.mandatory and line.wanting],
        digitised=bool(received) and all(line.files > 0 for line in received),
    )


async def _wanted(session: AsyncSession, row: DossierRow) -> list[Paper]:
    procedure = await procedure_version(session, row.procedure_code, row.procedure_version)
    assert procedure is not None, "a dossier's procedure version is kept"
    return papers(procedure, Applicant.model_validate(row.applicant))


async def current(session: AsyncSession, row: DossierRow) -> ChecklistView:
    """The checklist as it stands: the marks of the counter's last check, if any, over the
    files stored now; unmarked papers judged from the files."""
    marks: list[ChecklistMark] = []
    checked_by: str | None = None
    checked_at: datetime | None = None
    for event in reversed(await list_events(session, row.code, row.last_seq)):
        if event.type == EventType.SUPPLEMENT_SUBMITTED.value:
            # What was wanting may have come since: judge it afresh from the files.
            break
        if event.type in _CHECKED and event.data.get("checklist"):
            marks = [ChecklistMark.model_validate(m) for m in event.data["checklist"]]
            checked_by, checked_at = event.actor, event.at
            break
    wanted = await _wanted(session, row)
    known = {p.slot for p in wanted}
    view = judge(
        row.code,
        wanted,
        [m for m in marks if m.slot in known],
        await stored.list_documents(session, row.code),
    )
    return view.model_copy(update={"checked_by": checked_by, "checked_at": checked_at})


def _dumped(marks: Sequence[ChecklistLine]) -> list[ChecklistMark]:
    """Every line as a mark, inferred ones included, so the log holds the whole check."""
    return [
        ChecklistMark(slot=line.slot, state=line.state, form=line.form, note=line.note)
        for line in marks
    ]


async def prepare(session: AsyncSession, row: DossierRow, command: ActionCommand) -> ActionCommand:
    """The command as the workflow must receive it: the check judged, its consequences
    written in (digitised, Form 02's list, the papers brought)."""
    if isinstance(command, Acceptance):
        return await _acceptance(session, row, command)
    if isinstance(command, SupplementRequest):
        return await _supplement_request(session, row, command)
    if isinstance(command, SupplementSubmission):
        return await _supplement(session, row, command)
    return command


async def _judged(
    session: AsyncSession, row: DossierRow, marks: Sequence[ChecklistMark]
) -> ChecklistView:
    return judge(
        row.code, await _wanted(session, row), marks, await stored.list_documents(session, row.code)
    )


async def _acceptance(session: AsyncSession, row: DossierRow, command: Acceptance) -> Acceptance:
    view = await _judged(session, row, command.checklist)
    if view.missing_mandatory and not (command.override_reason or "").strip():
        missing = "; ".join(view.missing_mandatory)
        raise FieldError(
            ("body", "checklist"),
            "mandatory_paper_missing",
            f"Chưa tiếp nhận được: còn thiếu hoặc chưa hợp lệ giấy tờ bắt buộc: {missing}. "
            "Hãy yêu cầu bổ sung (Mẫu 02), hoặc ghi lý do vẫn tiếp nhận (override_reason).",
            f"Cannot accept: mandatory papers are missing or defective: {missing}. Request a "
            "supplement (Form 02), or give the reason to accept anyway (override_reason).",
        )
    return command.model_copy(
        update={"checklist": _dumped(view.lines), "digitised": view.digitised}
    )


async def _supplement_request(
    session: AsyncSession, row: DossierRow, command: SupplementRequest
) -> SupplementRequest:
    if command.missing_documents and not command.checklist:
        # Named by hand (an API client without a checklist): Form 02 lists what was named.
        return command
    if command.missing_documents:
        raise FieldError(
            ("body", "missing_documents"),
            "missing_documents_with_checklist",
            "Khi có danh mục kiểm tra, Mẫu 02 liệt kê đúng các giấy tờ thiếu hoặc chưa hợp lệ "
            "trong danh mục; không ghi thêm missing_documents.",
            "With a checklist, Form 02 lists exactly its missing and defective papers; do "
            "not send missing_documents as well.",
        )
    view = await _judged(session, row, command.checklist)
    wanting = [line for line in view.lines if line.wanting]
    if not wanting:
        raise FieldError(
            ("body", "checklist"),
            "nothing_wanting",
            "Danh mục kiểm tra không có giấy tờ nào thiếu hoặc chưa hợp lệ: không có gì để yêu "
            "cầu bổ sung.",
            "The checklist has no missing or defective paper: there is nothing to request.",
        )
    return command.model_copy(
        update={
            "checklist": _dumped(view.lines),
            "missing_documents": [line.wording_vi() for line in wanting],
        }
    )


def reference(row: DossierDocumentRow) -> DocumentRef:
    return DocumentRef(
        id=row.id,
        slot=row.slot,
        version=row.version,
        sha256=row.sha256,
        size=row.size,
        media_type=row.media_type,
        filename=row.filename,
    )


async def _supplement(
    session: AsyncSession, row: DossierRow, command: SupplementSubmission
) -> SupplementSubmission:
    files = await stored.list_documents(session, row.code)
    asked_at = await _asked_at(session, row)
    if command.document_ids:
        by_id = {f.id: f for f in files}
        chosen = []
        for index, document_id in enumerate(command.document_ids):
            found = by_id.get(document_id)
            if found is None:
                raise FieldError(
                    ("body", "document_ids", str(index)),
                    "unknown_document",
                    f"Hồ sơ không có tài liệu «{document_id}».",
                    f"The dossier has no document '{document_id}'.",
                )
            chosen.append(found)
    else:
        # Nothing named: everything uploaded since the request answers it.
        chosen = [f for f in files if asked_at is not None and f.uploaded_at >= asked_at]
    if not chosen and not command.documents:
        raise FieldError(
            ("body", "documents"),
            "supplement_empty",
            "Chưa có giấy tờ bổ sung: hãy tải lên giấy tờ được yêu cầu, hoặc ghi tên giấy tờ "
            "đã nộp bản giấy.",
            "Nothing is brought: upload the papers asked for, or name those given on paper.",
        )
    procedure_names = {p.slot: p.name_vi for p in await _wanted(session, row)}
    named = list(command.documents)
    for f in chosen:
        name = procedure_names.get(f.slot, "Giấy tờ khác")
        if name not in named:
            named.append(name)
    return command.model_copy(
        update={"attached": [reference(f) for f in chosen], "documents": named}
    )


async def _asked_at(session: AsyncSession, row: DossierRow) -> datetime | None:
    for event in reversed(await list_events(session, row.code, row.last_seq)):
        if event.type == EventType.SUPPLEMENT_REQUESTED.value:
            return event.at
    return None
