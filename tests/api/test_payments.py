"""Fees paid online on the real stack: the citizen sent to a payment gateway simulated in
its own process (simulators/paygate.py), the gateway's signed notification recording
the payment once, a forged or replayed one changing nothing, and the electronic receipt."""

import asyncio
import io
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from pypdf import PdfReader
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from db.models import DossierEventRow
from db.session import SessionMaker
from motcua.settings import Settings
from services.payment_gateway import signature
from tests.auth import StaffAuth
from tests.factories import submission
from tests.journeys import act, all_received, drive, submit
from tests.paygate import GATEWAY_PORT, gateway_beside, with_gateway

JUSTICE = {"procedure_code": "2.000488", "receiving_unit": "xa-vu-bon"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_gateway(settings)


@pytest.fixture
def site(live_server: str, settings: Settings) -> Iterator[str]:
    with gateway_beside(live_server, settings) as site:
        yield site


async def _awaiting_payment(site: str, settings: Settings) -> tuple[str, str]:
    async with httpx.AsyncClient(base_url=site, auth=StaffAuth(settings), timeout=60) as staff:
        receipt = (await staff.post("/api/v1/dossiers", json=submission(**JUSTICE))).json()
        code = receipt["code"]
        await drive(staff, code, "accept", "transfer", "assign", "appraise", "request_payment")
    return code, receipt["tracking_secret"]


async def _pay(
    site: str, code: str, secret: str, card: str = "9704198526191432198"
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=site, timeout=60) as browser:
        sent = await browser.post(
            f"/tra-cuu/{code}/thanh-toan", data={"secret": secret}, headers={"Origin": site}
        )
        assert sent.status_code == 303, sent.text
        to_gateway = sent.headers["location"]
        assert to_gateway.startswith(f"http://127.0.0.1:{GATEWAY_PORT}/pay?")
        return await browser.get(f"{to_gateway}&card={card}")


async def _detail(site: str, settings: Settings, code: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=site, auth=StaffAuth(settings)) as staff:
        detail: dict[str, Any] = (await staff.get(f"/api/v1/dossiers/{code}")).json()
        return detail


async def test_a_fee_paid_online_is_recorded_once_and_a_forgery_changes_nothing(
    site: str, settings: Settings
) -> None:
    code, secret = await _awaiting_payment(site, settings)

    back = await _pay(site, code, secret)

    assert back.status_code == 302
    for _ in range(50):
        detail = await _detail(site, settings, code)
        if detail["sub_state"]["code"] == "awaiting_signature":
            break
        await asyncio.sleep(0.1)
    assert detail["sub_state"]["code"] == "awaiting_signature"
    paid = [e for e in detail["timeline"] if e["type"] == "payment_recorded"]
    assert len(paid) == 1
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{GATEWAY_PORT}") as gateway:
        (call,) = (await gateway.get("/calls")).json()["calls"]
    assert json.loads(call["reply"])["RspCode"] == "00"
    fields = call["fields"]

    async with httpx.AsyncClient(base_url=site) as anyone:
        again = (await anyone.get("/api/v1/payments/ipn", params=fields)).json()
        forged = (
            await anyone.get("/api/v1/payments/ipn", params={**fields, "vnp_Amount": "100"})
        ).json()
        cheap = {**fields, "vnp_Amount": "100"}
        cheap["vnp_SecureHash"] = signature(cheap, "not-the-secret")
        resigned = (await anyone.get("/api/v1/payments/ipn", params=cheap)).json()
        page = await anyone.get(back.headers["location"])
        pdf = await anyone.get(f"/tra-cuu/{code}/bien-lai.pdf", params={"secret": secret})

    assert again["RspCode"] == "02"
    assert forged["RspCode"] == "97"
    assert resigned["RspCode"] == "97"
    later = await _detail(site, settings, code)
    assert len([e for e in later["timeline"] if e["type"] == "payment_recorded"]) == 1
    assert 'id="payment-outcome"' in page.text
    assert "thanh toán thành công" in page.text
    text = " ".join(PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
    assert "BIÊN LAI THU PHÍ, LỆ PHÍ" in text
    assert "50.000 đồng" in text
    assert fields["vnp_TransactionNo"] in text


async def test_a_declined_card_leaves_the_fee_due(site: str, settings: Settings) -> None:
    code, secret = await _awaiting_payment(site, settings)

    back = await _pay(site, code, secret, card="4111111111111110")

    returned = dict(parse_qsl(urlsplit(back.headers["location"]).query))
    assert returned["vnp_ResponseCode"] == "51"
    await asyncio.sleep(0.5)
    detail = await _detail(site, settings, code)
    assert detail["sub_state"]["code"] == "awaiting_payment"
    async with httpx.AsyncClient(base_url=site) as anyone:
        page = await anyone.get(back.headers["location"])
    assert "chưa thành công" in page.text
    assert urlencode({"secret": secret}) in back.headers["location"]


async def test_an_exemption_is_recorded_with_its_legal_basis(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    receipt = (await api.post("/api/v1/dossiers", json=submission(**JUSTICE))).json()
    code = receipt["code"]
    await drive(api, code, "accept", "transfer", "assign", "appraise", "request_payment")

    exempt = await api.post(
        f"/api/v1/dossiers/{code}/actions/record_payment",
        json={"method": "exempt", "reference": "Người có công – Nghị định 131/2021/NĐ-CP"},
    )

    assert exempt.status_code == 200, exempt.text
    detail = (await api.get(f"/api/v1/dossiers/{code}")).json()
    assert detail["sub_state"]["code"] == "awaiting_signature"
    assert [e["type"] for e in detail["timeline"]].count("payment_recorded") == 1
    async with sessionmaker() as session:
        (recorded,) = (
            await session.exec(
                select(DossierEventRow).where(
                    DossierEventRow.dossier_code == code, DossierEventRow.type == "payment_recorded"
                )
            )
        ).all()
    assert recorded.data["method"] == "exempt"
    assert "131/2021" in recorded.data["reference"]


# A certified copy: its fee is collected when the copies are filed.
COPIES = {"procedure_code": "2.000815", "receiving_unit": "phuong-tan-lap"}


async def _event(session: AsyncSession, code: str, seq: int) -> DossierEventRow:
    found = await session.exec(
        select(DossierEventRow).where(
            DossierEventRow.dossier_code == code, DossierEventRow.seq == seq
        )
    )
    return found.one()


async def test_a_fee_charged_at_submission_is_paid_online_before_the_counter_accepts(
    site: str, settings: Settings, sessionmaker: SessionMaker
) -> None:
    async with httpx.AsyncClient(base_url=site, auth=StaffAuth(settings), timeout=60) as staff:
        receipt = (await staff.post("/api/v1/dossiers", json=submission(**COPIES))).json()
        code, secret = receipt["code"], receipt["tracking_secret"]
        submitted = (await staff.get(f"/api/v1/dossiers/{code}")).json()
        refused = await staff.post(
            f"/api/v1/dossiers/{code}/actions/accept",
            json={"checklist": await all_received(staff, code)},
        )
    async with httpx.AsyncClient(base_url=site) as browser:
        page = await browser.get("/tra-cuu", params={"code": code, "secret": secret})

    assert [e["type"] for e in submitted["timeline"]] == ["submitted", "payment_requested"]
    async with sessionmaker() as session:
        asked = await _event(session, code, 2)
    assert asked.data["amount_vnd"] == 2000
    assert asked.data["at_submission"] is True
    assert submitted["status"]["code"] == 1
    assert submitted["due"]["due_at"] is None
    assert "accept" not in [a["action"] for a in submitted["allowed_actions"]]
    assert "record_payment" in [a["action"] for a in submitted["allowed_actions"]]
    assert refused.status_code == 409
    assert "nộp khi nộp hồ sơ" in refused.json()["detail"]["message"]
    assert 'id="thanh-toan"' in page.text
    assert "2.000 đồng" in page.text

    back = await _pay(site, code, secret)

    assert back.status_code == 302
    for _ in range(50):
        detail = await _detail(site, settings, code)
        if any(e["type"] == "payment_recorded" for e in detail["timeline"]):
            break
        await asyncio.sleep(0.1)
    assert [e["type"] for e in detail["timeline"]].count("payment_recorded") == 1
    async with sessionmaker() as session:
        paid = await _event(session, code, 3)
    assert paid.data["method"] == "online"
    assert detail["status"]["code"] == 1, "paid, still awaiting the counter"
    async with httpx.AsyncClient(base_url=site, auth=StaffAuth(settings), timeout=60) as staff:
        accepted = await act(staff, code, "accept")
        again = await staff.post(
            f"/api/v1/dossiers/{code}/actions/request_payment",
            json={"amount_vnd": 2000, "description": "Lệ phí"},
        )
    assert accepted["status"]["code"] == 2
    assert accepted["due"]["due_at"] is not None
    assert again.status_code == 409, "a fee paid at submission is not asked for again unreasoned"


async def test_a_fee_charged_at_submission_can_be_paid_in_cash_at_the_counter(
    api: httpx.AsyncClient,
) -> None:
    code = await submit(api, **COPIES)

    cash = await api.post(
        f"/api/v1/dossiers/{code}/actions/record_payment",
        json={"method": "counter", "reference": "BL-0001234"},
    )
    twice = await api.post(
        f"/api/v1/dossiers/{code}/actions/record_payment",
        json={"method": "counter", "reference": "BL-0001235"},
    )
    accepted = await act(api, code, "accept")

    assert cash.status_code == 200, cash.text
    assert cash.json()["status"]["code"] == 1
    assert twice.status_code == 409
    assert "không có khoản phí" in twice.json()["detail"]["message"]
    assert accepted["status"]["code"] == 2


async def test_a_procedure_charging_after_appraisal_asks_nothing_at_submission(
    api: httpx.AsyncClient,
) -> None:
    code = await submit(api, **JUSTICE)

    early = await api.post(
        f"/api/v1/dossiers/{code}/actions/record_payment",
        json={"method": "counter", "reference": "BL-1"},
    )
    detail = (await api.get(f"/api/v1/dossiers/{code}")).json()

    assert early.status_code == 409
    assert [e["type"] for e in detail["timeline"]] == ["submitted"]
    assert "accept" in [a["action"] for a in detail["allowed_actions"]]
