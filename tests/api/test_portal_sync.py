"""The portal sync outbox against a simulated national portal run as its own process
(simulators/portal.py): every dossier event the portal must know reaches it in order,
once, acknowledged; an outage leaves a backlog that drains in order when it ends."""

import asyncio
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from db.models import (
    OrgUnitRow,
    PortalAckRow,
    PortalDossierRow,
    PortalReconciliationRow,
    PortalSyncRow,
)
from db.reconciliation import make_daily
from db.session import SessionMaker
from motcua.settings import Settings
from motcua.worker import reconcile_daily
from simulators.portal import DSTCODE, PASSWORD, USERNAME
from simulators.process import python_module, serving
from tests.auth import bearer
from tests.conftest import free_port
from tests.factories import submission
from tests.journeys import act, drive, submit

JUSTICE = {"procedure_code": "2.000488", "receiving_unit": "xa-vu-bon"}
DOSSIERS = 200
ACCEPTED = 50


@pytest.fixture
def portal_url() -> Iterator[str]:
    port = free_port()
    with serving(python_module("simulators.portal", str(port)), port):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def settings(settings: Settings, portal_url: str) -> Settings:
    return settings.model_copy(
        update={
            "portal_url": portal_url,
            "portal_username": USERNAME,
            "portal_password": PASSWORD,
            "portal_dstcode": DSTCODE,
            "portal_max_backoff_seconds": 0.5,
        }
    )


async def _portal(portal_url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    async with httpx.AsyncClient(base_url=portal_url) as client:
        response = await (client.post(path, json=body) if body is not None else client.get(path))
        return response.json()


async def _unacknowledged(sessionmaker: SessionMaker) -> int:
    async with sessionmaker() as session:
        return int(
            (
                await session.exec(
                    select(func.count())
                    .select_from(PortalSyncRow)
                    .where(col(PortalSyncRow.acked_at).is_(None))
                )
            ).one()
        )


async def test_a_dossiers_statuses_reach_the_portal_in_order_and_are_acknowledged(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, portal_url: str
) -> None:
    code = await submit(api, **JUSTICE)
    await act(api, code, "accept")
    await act(api, code, "transfer")

    for _ in range(100):
        if await _unacknowledged(sessionmaker) == 0:
            break
        await asyncio.sleep(0.1)
    received = await _portal(portal_url, "/received")

    assert received["statuses"][code] == [1, 2, 4]
    async with sessionmaker() as session:
        rows = (
            await session.exec(
                select(PortalSyncRow)
                .where(PortalSyncRow.dossier_code == code)
                .order_by(col(PortalSyncRow.seq))
            )
        ).all()
    assert [r.status_code for r in rows] == [1, 2, 4]
    assert all(r.portal_id and r.acked_at for r in rows)
    async with sessionmaker() as session:
        acks = (
            await session.exec(
                select(PortalAckRow)
                .where(PortalAckRow.dossier_code == code)
                .order_by(col(PortalAckRow.seq))
            )
        ).all()
    assert [(a.sync_id, a.status_code, a.portal_id) for a in acks] == [
        (r.id, r.status_code, r.portal_id) for r in rows
    ]
    # The portal's word is evidence: the database refuses to change it.
    async with sessionmaker() as session:
        with pytest.raises(DBAPIError, match="append-only"):
            await session.exec(
                update(PortalAckRow).where(col(PortalAckRow.id) == acks[0].id).values(portal_id="x")
            )
    sheet = received["received"][0]
    assert sheet["madonvi"] == "000.00.00.H15"
    assert sheet["service"] == "DongBoHoSoMC"
    first = sheet["data"][0]
    assert first["MaHoSo"] == code
    assert first["MaTTHC"] == "2.000488"
    assert len(first["NgayTiepNhan"]) == 14  # yyyyMMddHHmmss


async def test_a_day_of_portal_outage_drains_in_order_none_twice(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, portal_url: str
) -> None:
    await _portal(portal_url, "/control", {"down": True})
    semaphore = asyncio.Semaphore(8)

    async def one(n: int) -> str:
        async with semaphore:
            code = await submit(api, **JUSTICE)
            if n < ACCEPTED:
                await act(api, code, "accept")
            return code

    codes = await asyncio.gather(*(one(n) for n in range(DOSSIERS)))
    await asyncio.sleep(1.0)  # the sender tries, and is refused
    backlog = await _unacknowledged(sessionmaker)
    await _portal(portal_url, "/control", {"down": False})
    for _ in range(600):
        if await _unacknowledged(sessionmaker) == 0:
            break
        await asyncio.sleep(0.1)

    assert backlog == DOSSIERS + ACCEPTED
    assert await _unacknowledged(sessionmaker) == 0
    statuses = (await _portal(portal_url, "/received"))["statuses"]
    for n, code in enumerate(codes):
        assert statuses[code] == ([1, 2] if n < ACCEPTED else [1]), code


async def test_reconciliation_lists_each_mismatch_with_its_cause(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, portal_url: str, settings: Settings
) -> None:
    synced = await submit(api, **JUSTICE)
    for _ in range(100):
        if await _unacknowledged(sessionmaker) == 0:
            break
        await asyncio.sleep(0.1)
    await _portal(portal_url, "/control", {"down": True})
    behind = await submit(api, **JUSTICE)
    await act(api, synced, "accept")
    await asyncio.sleep(0.5)  # refused at least once
    supervisor = {"Authorization": bearer(settings, "supervisor.dak-lak")}

    report = (await api.get("/api/v1/supervision/portal-reconciliation", headers=supervisor)).json()
    as_csv = await api.get(
        "/api/v1/supervision/portal-reconciliation", params={"format": "csv"}, headers=supervisor
    )

    assert report["dossiers"] == 2
    causes = {m["dossier_code"]: m for m in report["mismatches"]}
    assert set(causes) == {synced, behind}
    assert causes[synced]["portal_status"] == 1
    assert causes[synced]["local_status"] == 2
    assert causes[behind]["portal_status"] is None
    assert "503" in causes[behind]["cause_en"]
    assert (
        as_csv.text.splitlines()[0]
        == "MaHoSo,TrangThaiTaiTinh,TrangThaiTrenCong,BanGhiCho,NguyenNhan"
    )
    assert len(as_csv.text.splitlines()) == 3


async def test_dossiers_filed_on_the_portal_are_taken_in_once_with_its_code(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, portal_url: str, settings: Settings
) -> None:
    async with sessionmaker() as session:
        tan_lap = await session.get(OrgUnitRow, "phuong-tan-lap")
    assert tan_lap is not None
    birth = {
        "MaHoSoQG": "G22.99-261203-0001",
        "MaTTHC": "1.001193",
        "MaDonViTiepNhan": tan_lap.e_id,
        "ChuHoSo": "Lê Thị Hoa",
        "SoDinhDanh": "066190001234",
        "SoDienThoai": "0912345678",
    }
    unknown = {**birth, "MaHoSoQG": "G22.99-261203-0002", "MaTTHC": "9.999999"}
    for sheet in (birth, unknown):
        await _portal(portal_url, "/control", {"file": sheet})
    supervisor = {"Authorization": bearer(settings, "supervisor.dak-lak")}

    first = (await api.post("/api/v1/portal/pull", headers=supervisor)).json()
    again = (await api.post("/api/v1/portal/pull", headers=supervisor)).json()
    clerk = {"Authorization": bearer(settings, "clerk.phuong-tan-lap")}
    refused = await api.post("/api/v1/portal/pull", headers=clerk)

    [(national, local)] = first["imported"]
    assert national == "G22.99-261203-0001"
    assert [n for n, _ in first["refused"]] == ["G22.99-261203-0002"]
    assert "9.999999" in first["refused"][0][1]
    assert again["imported"] == []
    assert refused.status_code == 403
    dossier = (await api.get(f"/api/v1/dossiers/{local}")).json()
    assert dossier["receiving_unit"]["code"] == "phuong-tan-lap"
    assert dossier["channel"]["code"] == 2
    assert dossier["applicant"]["full_name"] == "Lê Thị Hoa"
    async with sessionmaker() as session:
        kept = await session.get(PortalDossierRow, "G22.99-261203-0001")
    assert kept is not None
    assert kept.dossier_code == local
    confirmed = (await _portal(portal_url, "/control", {}))["confirmed"]
    assert confirmed == {"G22.99-261203-0001": local}


async def test_ratings_and_complaints_reach_the_portal_too(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, portal_url: str, settings: Settings
) -> None:
    receipt = (await api.post("/api/v1/dossiers", json=submission(**JUSTICE))).json()
    code, secret = receipt["code"], receipt["tracking_secret"]
    await drive(api, code, "accept", "transfer", "assign", "appraise", "approve")
    await drive(api, code, "mark_result_ready", "return_result")
    citizen = {"X-Tracking-Secret": secret}
    rated = await api.post(
        f"/api/v1/track/{code}/feedback",
        json={"publicity": 5, "attitude": 4, "timeliness": 5, "outcome": 5, "comment": "Tốt"},
        headers=citizen,
    )
    assert rated.status_code == 200, rated.text
    filed = (
        await api.post(
            "/api/v1/complaints",
            json={
                "full_name": "Hoàng Thị Mai",
                "phone": "0912345678",
                "unit": "xa-vu-bon",
                "subject": "Chờ lâu",
                "content": "Tôi phải chờ hơn một giờ ở quầy.",
            },
        )
    ).json()
    leader = {"Authorization": bearer(settings, "leader.xa-vu-bon")}
    answered = await api.post(
        f"/api/v1/complaints/{filed['code']}/answer",
        json={"answer": "Xã đã bố trí thêm một quầy tiếp nhận.", "publish": True},
        headers=leader,
    )
    assert answered.status_code == 200, answered.text

    for _ in range(100):
        if await _unacknowledged(sessionmaker) == 0:
            break
        await asyncio.sleep(0.1)
    received = (await _portal(portal_url, "/received"))["received"]

    ratings = [r["data"][0] for r in received if r["service"] == "DongBoDanhGia"]
    assert [(r["MaHoSo"], r["DiemThaiDo"], r["DiemTongHop"]) for r in ratings] == [(code, 4, 5)]
    questions = [r["data"][0] for r in received if r["service"] == "DongBoHoiDap"]
    assert [(q["MaCauHoi"], bool(q["NoiDungTraLoi"])) for q in questions] == [
        (filed["code"], False),
        (filed["code"], True),
    ]
    assert "0912345678" not in str(questions)


async def test_the_morning_reconciliation_is_kept_once_for_the_province(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, portal_url: str, settings: Settings
) -> None:
    await _portal(portal_url, "/control", {"down": True})
    behind = await submit(api, **JUSTICE)
    await asyncio.sleep(0.5)  # refused at least once
    tz = ZoneInfo(settings.timezone)

    async def made_at(instant: str) -> PortalReconciliationRow | None:
        async with sessionmaker() as session, session.begin():
            return await make_daily(session, tz, datetime.fromisoformat(instant))

    before_six = await made_at("2026-10-01T05:59:59+07:00")
    at_six = await made_at("2026-10-01T06:00:00+07:00")
    later = await made_at("2026-10-01T16:59:00+07:00")
    province = {"Authorization": bearer(settings, "supervisor.dak-lak")}
    commune = {"Authorization": bearer(settings, "supervisor.xa-vu-bon")}
    daily = "/api/v1/supervision/portal-reconciliation/daily"
    listed = (await api.get(daily, headers=province)).json()
    kept = await api.get(f"{daily}/2026-10-01", headers=province)
    refused = await api.get(daily, headers=commune)
    missing = await api.get(f"{daily}/2026-09-30", headers=province)
    api.cookies.set("motcua_session", province["Authorization"].removeprefix("Bearer "))
    page = await api.get("/giam-sat")
    csv_link = await api.get(f"{daily}/2026-10-01")
    api.cookies.clear()

    assert before_six is None
    assert at_six is not None
    assert (at_six.day, at_six.dossiers, at_six.mismatches) == (date(2026, 10, 1), 1, 1)
    assert later is None, "one report a day"
    (first,) = [r for r in listed if r["day"] == "2026-10-01"]
    assert (first["dossiers"], first["in_step"], first["mismatches"]) == (1, 0, 1)
    assert kept.status_code == 200
    assert kept.headers["content-type"].startswith("text/csv")
    assert behind in kept.text
    assert refused.status_code == 403
    assert refused.json()["detail"]["message"].startswith("Chỉ giám sát viên cấp tỉnh")
    assert missing.status_code == 404
    assert "Đối soát với Cổng Dịch vụ công quốc gia" in page.text
    assert "<td>01/10/2026</td><td>1</td><td>1</td>" in page.text
    assert csv_link.text == kept.text, "the page's link, with the page's own sign-in"


async def test_two_workers_looking_at_once_keep_one_morning_report(
    sessionmaker: SessionMaker, settings: Settings
) -> None:
    tz = ZoneInfo(settings.timezone)
    stopping = asyncio.Event()

    def seven_oclock() -> datetime:
        return datetime(2026, 10, 2, 7, 0, tzinfo=tz)

    workers = [
        asyncio.create_task(reconcile_daily(sessionmaker, tz, stopping, 0.05, seven_oclock))
        for _ in range(2)
    ]
    for _ in range(100):
        async with sessionmaker() as session:
            if await session.get(PortalReconciliationRow, date(2026, 10, 2)) is not None:
                break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # both have looked again
    stopping.set()
    # Neither loop died of the other's having kept the day first.
    outcomes = await asyncio.gather(*workers, return_exceptions=True)

    async with sessionmaker() as session:
        kept = await session.get(PortalReconciliationRow, date(2026, 10, 2))
    assert outcomes == [None, None]
    assert kept is not None
    assert kept.made_at == seven_oclock()
