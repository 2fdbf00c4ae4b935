"""The outbox over HTTP: supervisors see what was not delivered and why, and ask for one
more attempt once the gateway is repaired."""

from datetime import UTC, datetime

import httpx
from sqlalchemy import update
from sqlmodel import col

from activities.notifications import Dispatcher, LogSender
from db.models import NotificationRow
from db.outbox import enqueue
from db.session import SessionMaker
from motcua.settings import Settings
from schemas.deadlines import NotificationRequest
from tests.auth import SUPERVISOR, bearer
from tests.province import TZ

CODE = "H15.22-261130-0007"


async def _queue(sessionmaker: SessionMaker, seq: int, recipients: list[str]) -> None:
    async with sessionmaker() as session, session.begin():
        await enqueue(
            session,
            NotificationRequest(
                dossier_code=CODE,
                seq=seq,
                kind="deadline_breached",
                recipients=recipients,
                message_vi=f"Hồ sơ {CODE}: quá hạn giải quyết.",
                message_en=f"Dossier {CODE}: deadline breached.",
            ),
            "sms",
            datetime.now(UTC),
        )


async def _abandon(sessionmaker: SessionMaker, recipient: str) -> None:
    """As the dispatcher leaves a message refused at every attempt."""
    async with sessionmaker() as session, session.begin():
        await session.exec(
            update(NotificationRow)
            .where(col(NotificationRow.recipient) == recipient)
            .values(
                status="abandoned",
                attempts=30,
                next_attempt_at=None,
                last_error="ConnectionError('gateway unavailable')",
            )
        )


async def test_a_supervisor_finds_an_abandoned_message_and_has_it_sent_again(
    app_without_worker: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    api = app_without_worker
    await _queue(sessionmaker, 5, ["officer@so-tu-phap"])
    await _queue(sessionmaker, 9, ["leader@so-tu-phap", "supervisor@province"])
    await _abandon(sessionmaker, "leader@so-tu-phap")

    everything = (await api.get("/api/v1/notifications")).json()
    abandoned = (await api.get("/api/v1/notifications", params={"status": "abandoned"})).json()
    first = (await api.get("/api/v1/notifications", params={"size": 2})).json()
    rest = (
        await api.get("/api/v1/notifications", params={"size": 2, "after": first["next_after"]})
    ).json()

    assert [item["recipient"] for item in everything["items"]] == [
        "supervisor@province",
        "leader@so-tu-phap",
        "officer@so-tu-phap",
    ]
    [lost] = abandoned["items"]
    assert (lost["recipient"], lost["attempts"], lost["next_attempt_at"]) == (
        "leader@so-tu-phap",
        30,
        None,
    )
    assert "gateway unavailable" in lost["last_error"]
    assert [item["id"] for item in first["items"] + rest["items"]] == [
        item["id"] for item in everything["items"]
    ]
    assert rest["next_after"] is None

    retried = await api.post(f"/api/v1/notifications/{lost['id']}/retry")

    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "pending"
    assert retried.json()["next_attempt_at"] is not None
    # The next pass of any worker's dispatcher sends it, with the two still pending.
    assert await Dispatcher(sessionmaker, LogSender(), TZ).dispatch() == 3
    after = (await api.get("/api/v1/notifications", params={"status": "sent"})).json()
    assert {item["recipient"] for item in after["items"]} == {
        "officer@so-tu-phap",
        "leader@so-tu-phap",
        "supervisor@province",
    }


async def test_a_sent_or_waiting_message_is_not_sent_again_and_an_unknown_one_is_not_found(
    app_without_worker: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    api = app_without_worker
    await _queue(sessionmaker, 5, ["officer@so-tu-phap"])
    await Dispatcher(sessionmaker, LogSender(), TZ).dispatch()
    await _queue(sessionmaker, 6, ["leader@so-tu-phap"])
    [waiting, sent] = (await api.get("/api/v1/notifications")).json()["items"]

    again = await api.post(f"/api/v1/notifications/{sent['id']}/retry")
    queued = await api.post(f"/api/v1/notifications/{waiting['id']}/retry")
    unknown = await api.post("/api/v1/notifications/999999/retry")

    assert again.status_code == queued.status_code == 409
    assert again.json()["detail"]["status"] == "sent"
    assert "đã được gửi" in again.json()["detail"]["message"]
    assert queued.json()["detail"]["status"] == "pending"
    assert "đang chờ gửi" in queued.json()["detail"]["message"]
    assert unknown.status_code == 404


async def test_only_the_province_sees_the_outbox(
    app_without_worker: httpx.AsyncClient, settings: Settings
) -> None:
    commune = {"Authorization": bearer(settings, "supervisor.xa-vu-bon")}
    clerk = {"Authorization": bearer(settings, "clerk.xa-vu-bon")}
    admin = {"Authorization": bearer(settings, "admin.dak-lak")}

    assert (
        await app_without_worker.get("/api/v1/notifications", headers=commune)
    ).status_code == 403
    assert (await app_without_worker.get("/api/v1/notifications", headers=clerk)).status_code == 403
    assert (await app_without_worker.get("/api/v1/notifications", headers=admin)).status_code == 200
    refused = await app_without_worker.get("/api/v1/notifications", params={"status": "lost"})
    assert refused.status_code == 422
    assert "status" in refused.text


async def test_the_supervision_page_lists_what_was_not_delivered_and_sends_it_again(
    app_without_worker: httpx.AsyncClient, sessionmaker: SessionMaker, settings: Settings
) -> None:
    api = app_without_worker
    await _queue(sessionmaker, 9, ["leader@so-tu-phap"])
    await _abandon(sessionmaker, "leader@so-tu-phap")
    api.cookies.set("motcua_session", bearer(settings, SUPERVISOR).removeprefix("Bearer "))
    [lost] = (await api.get("/api/v1/notifications")).json()["items"]

    page = await api.get("/giam-sat")
    sent = await api.post(
        f"/giam-sat/thong-bao/{lost['id']}/gui-lai", headers={"Origin": "http://motcua.test"}
    )
    after = await api.get(sent.headers["location"])

    assert page.status_code == 200
    assert "Thông báo chưa gửi được (1)" in page.text
    assert CODE in page.text
    assert "gateway unavailable" in page.text
    assert "Đã ngừng gửi" in page.text
    assert sent.status_code == 303
    assert "Đã xếp thông báo để gửi lại." in after.text
    assert "Thông báo chưa gửi được (0)" in after.text
    [pending] = (await api.get("/api/v1/notifications", params={"status": "pending"})).json()[
        "items"
    ]
    assert pending["id"] == lost["id"]


async def test_an_id_beyond_the_database_is_refused_naming_the_field(
    app_without_worker: httpx.AsyncClient,
) -> None:
    huge = 2**70
    retry = await app_without_worker.post(f"/api/v1/notifications/{huge}/retry")
    page = await app_without_worker.get("/api/v1/notifications", params={"after": huge})

    assert retry.status_code == page.status_code == 422
    assert "notification_id" in retry.text
    assert "after" in page.text
