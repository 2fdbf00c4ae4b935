"""A dossier's documents through the API, on the real stack: the counter's scans and the
citizen's uploads become versions of the procedure's required papers; officers read them
where the role × unit rules let them; every reading is recorded; a refused file leaves
nothing behind."""

import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from db.models import DossierDocumentRow
from db.session import SessionMaker
from motcua.settings import Settings
from tests.auth import ADMIN, SUPERVISOR, bearer
from tests.factories import submission
from tests.journeys import act, drive, submit

PDF = b"%PDF-1.7\n% Giay khai sinh\n" + bytes(range(256)) * 400
PDF_AGAIN = b"%PDF-1.7\n% Giay khai sinh, ban bo sung\n" + bytes(range(256)) * 300
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 100


def as_(settings: Settings, username: str) -> dict[str, str]:
    return {"Authorization": bearer(settings, username)}


async def _upload(
    api: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    files: list[tuple[str, bytes]],
    **form: Any,
) -> httpx.Response:
    return await api.post(
        url,
        headers=headers,
        data={k: str(v) for k, v in form.items()},
        files=[("files", (name, content)) for name, content in files],
    )


async def _document_rows(sessionmaker: SessionMaker, code: str) -> int:
    async with sessionmaker() as session:
        statement = select(func.count()).where(col(DossierDocumentRow.dossier_code) == code)
        return int((await session.exec(statement)).one())


def _objects(settings: Settings) -> list[Path]:
    root = settings.data_dir / "documents"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_counter_scans_are_versions_of_required_papers_read_with_a_trail(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    code = await submit(api)
    clerk = as_(settings, "clerk.phuong-tan-lap")

    uploaded = await _upload(
        api,
        f"/api/v1/dossiers/{code}/documents",
        clerk,
        [("to-khai.pdf", PDF), ("anh-cccd.jpg", JPEG)],
        slot=0,
        form="original_seen",
    )

    assert uploaded.status_code == 201, uploaded.text
    views = uploaded.json()
    assert [(v["slot"], v["version"], v["part"]) for v in views] == [(0, 1, 1), (0, 1, 2)]
    assert [v["media_type"] for v in views] == ["application/pdf", "image/jpeg"]
    assert views[0]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert views[0]["uploaded_by"] == "clerk.phuong-tan-lap"
    assert views[0]["form"] == "original_seen"
    assert views[0]["slot_name_vi"]  # the procedure's own name for the paper

    # Sealed at rest: no stored object holds the plaintext.
    stored = b"".join(p.read_bytes() for p in _objects(settings))
    assert len(_objects(settings)) == 2
    assert b"Giay khai sinh" not in stored

    supervisor = as_(settings, SUPERVISOR)
    inline = await api.get(views[0]["url"], headers=supervisor)
    assert inline.status_code == 200
    assert inline.content == PDF
    assert inline.headers["content-type"] == "application/pdf"
    assert inline.headers["content-disposition"].startswith("inline;")
    assert inline.headers["cache-control"] == "private, no-store"
    download = await api.get(views[1]["url"], params={"download": "true"}, headers=clerk)
    assert download.content == JPEG
    assert download.headers["content-disposition"].startswith("attachment;")

    trail = (await api.get(f"/api/v1/dossiers/{code}/document-accesses", headers=clerk)).json()
    assert [(a["document_id"], a["actor"], a["kind"]) for a in trail] == [
        (views[0]["id"], SUPERVISOR, "view"),
        (views[1]["id"], "clerk.phuong-tan-lap", "download"),
    ]


async def test_the_citizens_supplement_is_a_new_version_the_officer_sees_beside_the_first(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    body = submission(channel=2, received_by=None)
    receipt = (await api.post("/api/v1/dossiers", json=body)).json()
    code, secret = receipt["code"], receipt["tracking_secret"]
    citizen = {"X-Tracking-Secret": secret}
    track = f"/api/v1/track/{code}/documents"

    first = await _upload(api, track, citizen, [("khai-sinh.pdf", PDF)], slot=0, form="copy")
    assert first.status_code == 201, first.text
    await act(api, code, "request_supplement", missing_documents=["Bản sao giấy khai sinh"])
    second = await _upload(
        api, track, citizen, [("khai-sinh-moi.pdf", PDF_AGAIN)], slot=0, form="certified_copy"
    )
    assert second.status_code == 201, second.text
    assert second.json()[0]["version"] == 2
    await act(api, code, "submit_supplement", documents=["Bản sao giấy khai sinh"])
    await drive(api, code, "accept", "transfer", "assign")
    holder = (await api.get(f"/api/v1/dossiers/{code}")).json()["holder_unit"]
    officer = as_(settings, f"officer.{holder}")

    listing = await api.get(f"/api/v1/dossiers/{code}/documents", headers=officer)

    assert listing.status_code == 200, listing.text
    seen = [(d["version"], d["superseded"], d["uploaded_by"], d["channel"]) for d in listing.json()]
    assert seen == [(1, True, "citizen", 2), (2, False, "citizen", 2)]
    old = listing.json()[0]
    assert (await api.get(old["url"], headers=officer)).content == PDF
    # The citizen reads their own papers with the secret, through their own address.
    mine = (await api.get(track, headers=citizen)).json()
    assert [d["url"] for d in mine] == [f"{track}/{d['id']}" for d in mine]
    assert (await api.get(mine[1]["url"], headers=citizen)).content == PDF_AGAIN
    # Once the unit works on it, the applicant's papers are the unit's record.
    late = await _upload(api, track, citizen, [("them.pdf", PDF)], slot=-1, form="copy")
    assert late.status_code == 409
    assert "Đang xử lý" in late.json()["detail"]["message"]


@pytest.mark.parametrize(
    ("name", "content", "rule"),
    [
        ("ho-so.pdf", b"MZ\x90\x00This program cannot be run in DOS mode" * 10, "type"),
        ("trong.pdf", b"", "empty"),
    ],
)
async def test_a_refused_file_is_named_and_nothing_of_the_upload_is_kept(
    api: httpx.AsyncClient,
    settings: Settings,
    sessionmaker: SessionMaker,
    name: str,
    content: bytes,
    rule: str,
) -> None:
    code = await submit(api)
    clerk = as_(settings, "clerk.phuong-tan-lap")

    refused = await _upload(
        api,
        f"/api/v1/dossiers/{code}/documents",
        clerk,
        [("dung.pdf", PDF), (name, content)],
        slot=0,
        form="copy",
    )

    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert (detail["file"], detail["rule"]) == (name, rule)
    assert name in detail["message"]
    assert await _document_rows(sessionmaker, code) == 0
    assert _objects(settings) == []
    spool = settings.data_dir / "spool"
    assert not spool.exists() or list(spool.iterdir()) == []


async def test_who_may_attach_and_who_may_read(api: httpx.AsyncClient, settings: Settings) -> None:
    code = await submit(api)
    url = f"/api/v1/dossiers/{code}/documents"
    clerk = as_(settings, "clerk.phuong-tan-lap")
    made = await _upload(api, url, clerk, [("a.pdf", PDF)], slot=-1, form="copy")
    document = made.json()[0]["url"]

    stranger = as_(settings, "clerk.xa-vu-bon")
    leader = as_(settings, "leader.phuong-tan-lap")
    answers = {
        "admin reads": (await api.get(document, headers=as_(settings, ADMIN))).status_code,
        "stranger reads": (await api.get(document, headers=stranger)).status_code,
        "stranger lists": (await api.get(url, headers=stranger)).status_code,
        "leader attaches": (
            await _upload(api, url, leader, [("b.pdf", PDF)], slot=-1, form="copy")
        ).status_code,
        "unknown slot": (
            await _upload(api, url, clerk, [("b.pdf", PDF)], slot=42, form="copy")
        ).status_code,
        "no sign-in": (await api.get(document, headers={"Authorization": ""})).status_code,
        "stranger places": (
            await api.post(f"{document}/placement", json={"slot": 0}, headers=stranger)
        ).status_code,
        "leader places": (
            await api.post(f"{document}/placement", json={"slot": 0}, headers=leader)
        ).status_code,
    }
    assert answers == {
        "admin reads": 403,
        "stranger reads": 403,
        "stranger lists": 403,
        "leader attaches": 403,
        "unknown slot": 404,
        "no sign-in": 401,
        "stranger places": 403,
        "leader places": 403,
    }


async def test_a_secret_opens_only_its_own_dossiers_papers(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    receipts = [
        (await api.post("/api/v1/dossiers", json=submission(channel=2, received_by=None))).json()
        for _ in range(2)
    ]
    (a, secret_a), (b, secret_b) = ((r["code"], r["tracking_secret"]) for r in receipts)
    made = await _upload(
        api, f"/api/v1/track/{b}/documents", {"X-Tracking-Secret": secret_b}, [("b.pdf", PDF)]
    )
    other = made.json()[0]["id"]

    crossed = await api.get(
        f"/api/v1/track/{a}/documents/{other}", headers={"X-Tracking-Secret": secret_a}
    )

    assert crossed.status_code == 404


async def test_a_full_size_scan_goes_through_and_an_oversized_upload_is_refused_whole(
    api: httpx.AsyncClient, settings: Settings, sessionmaker: SessionMaker
) -> None:
    code = await submit(api)
    clerk = as_(settings, "clerk.phuong-tan-lap")
    # A colour scan of a few pages: far above a form's 1 MB of words.
    scan = b"%PDF-1.7\n" + bytes(range(256)) * (24 * 1024)
    too_much = settings.documents_max_dossier_mb * 1024 * 1024 + 2_000_000

    stored = await _upload(
        api, f"/api/v1/dossiers/{code}/documents", clerk, [("ho-so.pdf", scan)], slot=0
    )
    refused = await api.post(
        f"/api/v1/dossiers/{code}/documents",
        headers={**clerk, "Content-Type": "multipart/form-data; boundary=x"},
        content=b"--x\r\n" + b"a" * int(too_much),
    )

    assert len(scan) > 6_000_000
    assert stored.status_code == 201, stored.text
    assert stored.json()[0]["sha256"] == hashlib.sha256(scan).hexdigest()
    assert refused.status_code == 413
    assert refused.json()["detail"]["message"] == (
        f"Các tệp gửi lên quá lớn: một hồ sơ nhận tối đa {settings.documents_max_dossier_mb:g} "
        "MB giấy tờ."
    )
    assert await _document_rows(sessionmaker, code) == 1
