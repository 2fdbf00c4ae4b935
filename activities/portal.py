"""The National Public Service Portal (Cổng DVCQG): what each dossier event tells it, and
the sender that tells it, in order, until it acknowledges.

The contract is OpenCPS v2's (DOMAIN.md, "National portal sync"): sign in with a username,
password and the `dstcode` header for a `session`; then POST JSON to one integration
endpoint with `session`, `madonvi` (the agency) and `service`; `error_code` "00" is taken,
"-1" an expired session. `DongBoHoSoMC` carries the dossier's sheet with its official status
(1–10); dates are yyyyMMddHHmmss in the province's time.

A record is written with its event, in the projection's transaction (nothing logged goes
untold, nothing told was not logged). The sender takes at most one record per dossier whose
earlier ones are all acknowledged, so a dossier's statuses arrive in order, never twice in
the portal's log; a portal that is down leaves the backlog waiting with backoff, and it
drains in order when the portal returns.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from activities.notifications import run_woken
from db import portal
from db.portal import portal_time
from db.reference import get_units, procedure_version
from db.session import SessionMaker
from schemas.dossier import ApplicantKind, DossierEvent, EventType
from schemas.records import RecordEvent
from schemas.status import Channel

log = logging.getLogger("motcua.portal")
DOSSIER_SHEET = "DongBoHoSoMC"
# What the portal must know besides a change of status.
_TOLD = {
    EventType.SUBMITTED,
    EventType.SUPPLEMENT_REQUESTED,
    EventType.SUPPLEMENT_SUBMITTED,
    EventType.PAYMENT_REQUESTED,
    EventType.PAYMENT_RECORDED,
    EventType.APPROVED,
    EventType.EXTENDED,
    EventType.RESULT_RETURNED,
}
# The portal's channel codes (HinhThuc): 0 at the counter, 1 online, 2 by post.
_CHANNEL = {Channel.IN_PERSON: 0, Channel.ONLINE: 1, Channel.POSTAL: 2}


def tells_portal(event: DossierEvent) -> bool:
    return event.type in _TOLD or event.from_status != event.to_status


class PortalRecords:
    """The sync records an event makes, composed from what the projection records."""

    def __init__(self, timezone: tzinfo) -> None:
        self._tz = timezone

    async def compose(self, session: AsyncSession, record: RecordEvent) -> list[dict[str, Any]]:
        event, snapshot, dossier = record.event, record.snapshot, record.dossier
        if not tells_portal(event) or snapshot.demo:
            return []
        procedure = await procedure_version(
            session, dossier.procedure_code, dossier.procedure_version
        )
        holder = snapshot.holder_unit
        units = await get_units(session, {holder})
        applicant = dossier.applicant
        sheet = {
            "MaHoSo": dossier.code,
            "MaTTHC": dossier.procedure_code,
            "TenTTHC": procedure.name_vi if procedure else dossier.procedure_code,
            "ChuHoSo": applicant.organisation_name or applicant.full_name,
            "LoaiDoiTuong": 1 if applicant.kind is ApplicantKind.INDIVIDUAL else 2,
            "SoDienThoai": applicant.phone,
            "Email": applicant.email or "",
            "TrichYeuHoSo": procedure.name_vi if procedure else "",
            "NgayTiepNhan": portal_time(snapshot.accepted_at or dossier.submitted_at, self._tz),
            "NgayHenTra": portal_time(snapshot.due_at, self._tz),
            "TrangThaiHoSo": int(event.to_status),
            "NgayTra": portal_time(snapshot.closed_at, self._tz),
            "NgayKetThucXuLy": portal_time(snapshot.finished_at, self._tz),
            "HinhThuc": _CHANNEL.get(dossier.channel, 0),
            "DonViXuLy": units[holder].name_vi if holder in units else holder,
            "NoiDungXuLy": event.type.label_vi,
            "ThoiDiemXuLy": portal_time(event.at, self._tz),
            "DanhSachLePhi": []
            if snapshot.payment_amount_vnd is None
            else [
                {"SoTien": snapshot.payment_amount_vnd, "DaThanhToan": snapshot.paid_at is not None}
            ],
            "DanhSachGiayToKetQua": []
            if snapshot.result is None
            else [
                {
                    "SoKyHieu": snapshot.result.number,
                    "NgayKy": portal_time(snapshot.result.signed_at, self._tz),
                }
            ],
        }
        return [
            {
                "dossier_code": dossier.code,
                "seq": event.seq,
                "service": DOSSIER_SHEET,
                "status_code": int(event.to_status),
                "payload": {"isUpdating": event.seq > 1, "data": [sheet]},
            }
        ]


class PortalRefused(Exception):
    """The portal answered, and said no."""


@dataclass(frozen=True)
class PortalAccount:
    base_url: str
    username: str
    password: str
    dstcode: str
    agency: str


class PortalClient:
    """The adapter: signs in once, posts each record, signs in again when the session ends.
    Asynchronous HTTP, so a batch of dossiers is in flight at once."""

    def __init__(self, account: PortalAccount, timeout: float = 15.0) -> None:
        self._account = account
        self._session: str | None = None
        self._http = httpx.AsyncClient(base_url=account.base_url.rstrip("/"), timeout=timeout)
        self._signing_in = asyncio.Lock()

    async def _post(
        self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        response = await self._http.post(path, json=body, headers=headers or {})
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    async def _signed_in(self, stale: str | None) -> str:
        # One sign-in for the whole batch: the first to find the session gone renews it.
        async with self._signing_in:
            if self._session is None or self._session == stale:
                answer = await self._post(
                    "/auth",
                    {"username": self._account.username, "password": self._account.password},
                    {"dstcode": self._account.dstcode},
                )
                if str(answer.get("error_code")) != "0" or not answer.get("session"):
                    raise PortalRefused(f"sign-in refused: {answer}")
                self._session = str(answer["session"])
            return self._session

    async def call(self, service: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The portal's answer to one service call, once it said "00"."""
        session = self._session or await self._signed_in(None)
        for _ in range(2):
            answer = await self._post(
                "/integration",
                {"session": session, "madonvi": self._account.agency, "service": service,
                 **payload},
            )  # fmt: skip
            code = str(answer.get("error_code"))
            if code == "00":
                return answer
            if code != "-1":
                raise PortalRefused(f"{service}: {answer}")
            session = await self._signed_in(session)  # expired: sign in again, once
        raise PortalRefused(f"{service}: the session expired twice")

    async def send(self, service: str, payload: dict[str, Any]) -> str:
        """The portal's id for what it took."""
        return str((await self.call(service, payload)).get("id") or "")

    async def filed(self) -> list[dict[str, Any]]:
        """Dossiers filed on the portal that the province has not confirmed taking."""
        answer = await self.call("LayDanhSachHoSoMoi", {})
        return list(answer.get("data") or [])

    async def confirm(self, national: str, local: str) -> None:
        await self.call("XacNhanDaNhanHoSo", {"data": [{"MaHoSoQG": national, "MaHoSo": local}]})

    async def close(self) -> None:
        await self._http.aclose()


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PortalSync:
    """The sender beside each worker: takes what is due, sends the batch (one record per
    dossier, so at once), records each acknowledgement, puts failures back with backoff."""

    def __init__(
        self,
        sessionmaker: SessionMaker,
        client: PortalClient,
        *,
        batch: int = 50,
        poll_seconds: float = 2.0,
        max_backoff_seconds: float = 300.0,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._client = client
        self._batch = batch
        self._poll = poll_seconds
        self._max_backoff = max_backoff_seconds
        self._clock = clock
        self._stopping = False
        self._woken = asyncio.Event()

    def wake(self) -> None:
        self._woken.set()

    def stop(self) -> None:
        self._stopping = True
        self._woken.set()

    async def run(self) -> None:
        await run_woken(self._drain, self._woken, self._poll, lambda: self._stopping, "portal sync")
        await self._client.close()

    async def _drain(self) -> None:
        while await self.drain_once() and not self._stopping:
            pass

    async def drain_once(self) -> int:
        """One batch; how many records the portal acknowledged."""
        async with self._sessionmaker() as session, session.begin():
            batch = await portal.take(session, self._clock(), self._batch)
        if not batch:
            return 0
        outcomes = await asyncio.gather(
            *(self._client.send(r.service, r.payload) for r in batch), return_exceptions=True
        )
        acked = 0
        async with self._sessionmaker() as session, session.begin():
            for record, outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    delay = min(2.0 ** min(record.attempts, 16), self._max_backoff)
                    again = self._clock() + timedelta(seconds=delay)
                    await portal.failed(session, record.id, repr(outcome), again)
                else:
                    await portal.acknowledge(session, record, outcome, self._clock())
                    acked += 1
        if acked < len(batch):
            log.warning(
                "portal sync: %d of %d records refused; retrying later",
                len(batch) - acked,
                len(batch),
            )
        return acked
