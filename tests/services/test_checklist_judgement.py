"""The checklist's judgement on its own: what a paper's mark, its files and its being
mandatory decide. The journeys through the API are in tests/api/test_checklist.py."""

from datetime import UTC, datetime

import pytest

from db.models import DossierDocumentRow
from schemas.documents import ChecklistMark, DocumentForm, Receipt
from schemas.status import Channel
from services.checklist import Paper, judge
from services.errors import FieldError

PAPERS = [
    Paper(0, "Đơn đăng ký", "Application", mandatory=True),
    Paper(1, "Giấy tờ về quyền sử dụng đất (nếu có)", "Land-use papers, if any", mandatory=False),
]
AT = datetime(2026, 12, 2, 3, tzinfo=UTC)


def stored(slot: int, version: int = 1, part: int = 1, form: str = "copy") -> DossierDocumentRow:
    return DossierDocumentRow(
        id=f"{slot}-{version}-{part}",
        dossier_code="X",
        slot=slot,
        version=version,
        part=part,
        form=form,
        filename="a.pdf",
        media_type="application/pdf",
        size=1,
        sha256="0" * 64,
        key_id="k",
        uploaded_by="clerk.a",
        uploader_role="clerk",
        channel=Channel.IN_PERSON,
        uploaded_at=AT,
    )


def test_an_optional_paper_missing_does_not_stop_the_acceptance() -> None:
    view = judge("X", PAPERS, [], [stored(0)])

    assert [line.state for line in view.lines] == [Receipt.RECEIVED, Receipt.MISSING]
    assert view.missing_mandatory == []
    assert view.digitised is True


def test_an_unmarked_paper_takes_the_form_and_count_of_its_latest_version() -> None:
    files = [stored(0, 1, 1, "copy"), stored(0, 2, 1, "certified_copy"), stored(0, 2, 2, "copy")]

    (line, _) = judge("X", PAPERS, [], files).lines

    assert (line.state, line.form, line.files, line.marked) == (
        Receipt.RECEIVED,
        DocumentForm.CERTIFIED_COPY,
        2,
        False,
    )


def test_a_received_paper_without_a_scan_means_not_digitised() -> None:
    marks = [ChecklistMark(slot=0, state=Receipt.RECEIVED, form=DocumentForm.ORIGINAL_SEEN)]

    view = judge("X", PAPERS, marks, [])

    assert view.missing_mandatory == []
    assert view.digitised is False


def test_nothing_received_is_not_digitised() -> None:
    view = judge("X", PAPERS, [], [])

    assert view.digitised is False
    assert view.missing_mandatory == ["Đơn đăng ký"]


def test_a_mark_overrides_the_files() -> None:
    marks = [ChecklistMark(slot=0, state=Receipt.DEFECTIVE, note="Thiếu chữ ký")]

    (line, _) = judge("X", PAPERS, marks, [stored(0)]).lines

    assert line.state is Receipt.DEFECTIVE
    assert line.wording_vi() == "Đơn đăng ký (chưa hợp lệ: Thiếu chữ ký)"


def test_a_paper_marked_twice_is_refused_by_its_place() -> None:
    marks = [
        ChecklistMark(slot=0, state=Receipt.MISSING),
        ChecklistMark(slot=0, state=Receipt.MISSING),
    ]

    with pytest.raises(FieldError) as raised:
        judge("X", PAPERS, marks, [])

    assert raised.value.loc == ("body", "checklist", "1", "slot")
    assert raised.value.kind == "paper_marked_twice"
