"""Citizen tracking: the code and the receipt's secret, nothing more, nothing internal."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from api.app import create_app
from api.deps import Resources
from db.session import SessionMaker
from motcua.settings import Settings
from tests.factories import submission
from tests.journeys import act, drive


async def _submit_online(api: httpx.AsyncClient, **overrides: object) -> tuple[str, str]:
    body = submission(channel=2, received_by=None, **overrides)
    receipt = (await api.post("/api/v1/dossiers", json=body)).json()
    return receipt["code"], receipt["tracking_secret"]


async def test_a_citizen_sees_status_dates_and_why_but_no_staff_names(
    api: httpx.AsyncClient,
) -> None:
    code, secret = await _submit_online(api, procedure_code="2.000488", receiving_unit="xa-vu-bon")
    await drive(api, code, "accept", "transfer", "assign")

    response = await api.get(f"/api/v1/track/{code}", headers={"X-Tracking-Secret": secret})

    assert response.status_code == 200, response.text
    view = response.json()
    assert view["status"] == {"code": 4, "name_vi": "Đang xử lý", "name_en": "Being processed"}
    assert view["expected_result_at"] is not None
    assert "10 ngày làm việc" in view["why_vi"]
    assert [e["label_vi"] for e in view["timeline"]] == [
        "Nộp hồ sơ",
        "Tiếp nhận hồ sơ",
        "Chuyển cơ quan có thẩm quyền",
    ]
    text = response.text
    internal_names = ("leader.so-tu-phap", "officer.a", "clerk.xa-vu-bon")
    for internal in (*internal_names, "066190001234", "0912345678"):
        assert internal not in text


async def test_a_wrong_secret_gets_the_same_answer_as_an_unknown_code(
    api: httpx.AsyncClient,
) -> None:
    code, _ = await _submit_online(api)

    wrong = await api.get(f"/api/v1/track/{code}", headers={"X-Tracking-Secret": "AAAA-BBBB-CCCC"})
    unknown = await api.get(
        "/api/v1/track/000.00.00.H15-260101-0001", headers={"X-Tracking-Secret": "AAAA-BBBB-CCCC"}
    )

    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()


async def test_the_secret_also_works_as_typed_from_the_receipt(api: httpx.AsyncClient) -> None:
    code, secret = await _submit_online(api)

    response = await api.get(f"/api/v1/track/{code}", params={"secret": secret.lower()})

    assert response.status_code == 200


async def test_the_citizen_answers_a_supplement_request_and_can_withdraw(
    api: httpx.AsyncClient,
) -> None:
    code, secret = await _submit_online(api)
    await act(api, code, "request_supplement", missing_documents=["Giấy chứng sinh"])
    headers = {"X-Tracking-Secret": secret}

    asked = (await api.get(f"/api/v1/track/{code}", headers=headers)).json()
    answered = await api.post(
        f"/api/v1/track/{code}/supplement",
        headers=headers,
        json={"actor": "ignored", "documents": ["Giấy chứng sinh"]},
    )
    withdrawn = await api.post(
        f"/api/v1/track/{code}/withdraw",
        headers=headers,
        json={"actor": "ignored", "reason": "Nộp lại sau"},
    )

    assert asked["missing_documents"] == ["Giấy chứng sinh"]
    assert answered.status_code == 200
    assert answered.json()["status"]["code"] == 1
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"]["code"] == 7
    audit = (await api.get(f"/api/v1/dossiers/{code}/events")).json()
    assert [e["actor"] for e in audit[-2:]] == ["citizen", "citizen"]


async def test_a_citizen_cannot_withdraw_another_dossier(api: httpx.AsyncClient) -> None:
    mine, secret = await _submit_online(api)
    theirs, _ = await _submit_online(api)

    response = await api.post(
        f"/api/v1/track/{theirs}/withdraw",
        headers={"X-Tracking-Secret": secret},
        json={"actor": "x", "reason": "Thử"},
    )

    assert response.status_code == 404
    assert (await api.get(f"/api/v1/dossiers/{theirs}")).json()["status"]["code"] == 1
    assert mine != theirs


async def test_look_ups_are_rate_limited_across_replicas(
    api: httpx.AsyncClient,
    settings: Settings,
    engine: AsyncEngine,
    sessionmaker: SessionMaker,
    temporal_client: Client,
) -> None:
    code, secret = await _submit_online(api)
    headers = {"X-Tracking-Secret": secret}
    # A second API replica on the same database: the two share one count per client.
    other = create_app(
        settings, resources=Resources(settings, engine, sessionmaker, temporal_client)
    )
    async with (
        other.router.lifespan_context(other),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=other), base_url="http://replica-2"
        ) as replica,
    ):
        answers = []
        for turn in range(settings.tracking_per_minute + 1):
            client = api if turn % 2 else replica
            answers.append(await client.get(f"/api/v1/track/{code}", headers=headers))
        # Naming itself another client in a header it has no right to send changes nothing.
        spoofed = await replica.get(
            f"/api/v1/track/{code}", headers={**headers, "X-Forwarded-For": "203.0.113.9"}
        )

    assert [a.status_code for a in answers[:-1]] == [200] * settings.tracking_per_minute
    refused = answers[-1]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "quá nhiều lần" in refused.json()["detail"]["message"]
    assert spoofed.status_code == 429


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_count(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    code, secret = await _submit_online(api)
    settings.trusted_proxies = "127.0.0.0/8"
    try:
        first = [
            (
                await api.get(
                    f"/api/v1/track/{code}",
                    headers={"X-Tracking-Secret": secret, "X-Forwarded-For": "203.0.113.9"},
                )
            ).status_code
            for _ in range(settings.tracking_per_minute + 1)
        ]
        # A client's own header before the proxy's entry is not believed either.
        second = await api.get(
            f"/api/v1/track/{code}",
            headers={
                "X-Tracking-Secret": secret,
                "X-Forwarded-For": "203.0.113.9, 198.51.100.7",
            },
        )
    finally:
        settings.trusted_proxies = ""

    assert first[-1] == 429
    assert second.status_code == 200


async def test_the_tracking_page_says_too_many_attempts(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    code, secret = await _submit_online(api)
    for _ in range(settings.tracking_per_minute):
        await api.get(f"/api/v1/track/{code}", headers={"X-Tracking-Secret": secret})

    page = await api.get("/tra-cuu", params={"code": code, "secret": secret})

    assert page.status_code == 429
    assert "Retry-After" in page.headers
    assert "quá nhiều lần" in page.text
    assert "Không tìm thấy" not in page.text


async def test_the_audit_log_is_returned_whole(api: httpx.AsyncClient) -> None:
    code, _ = await _submit_online(api)
    await drive(api, code, "accept", "transfer")

    audit = (await api.get(f"/api/v1/dossiers/{code}/events")).json()

    assert [e["seq"] for e in audit] == [1, 2, 3]
    assert audit[2]["type"] == "transferred"
    assert audit[2]["actor"] == "clerk.phuong-tan-lap"
    assert audit[1]["data"]["due_at"] is not None


@pytest.mark.parametrize("secret", ["", "x" * 41])
async def test_malformed_secrets_are_refused(api: httpx.AsyncClient, secret: str) -> None:
    code, _ = await _submit_online(api)

    response = await api.get(f"/api/v1/track/{code}", headers={"X-Tracking-Secret": secret})

    assert response.status_code in (404, 422)


async def test_feedback_opens_when_processing_ends_and_is_given_once(
    api: httpx.AsyncClient,
) -> None:
    code, secret = await _submit_online(api)
    headers = {"X-Tracking-Secret": secret}
    rating = {"rating": 5}

    too_early = await api.post(f"/api/v1/track/{code}/feedback", json=rating, headers=headers)
    await api.post(
        f"/api/v1/dossiers/{code}/actions/refuse", json={"reason": "Không thuộc thẩm quyền"}
    )
    first = await api.post(f"/api/v1/track/{code}/feedback", json=rating, headers=headers)
    retried = await api.post(f"/api/v1/track/{code}/feedback", json=rating, headers=headers)
    changed = await api.post(f"/api/v1/track/{code}/feedback", json={"rating": 1}, headers=headers)
    out_of_range = await api.post(
        f"/api/v1/track/{code}/feedback", json={"rating": 6}, headers=headers
    )
    view = (await api.get(f"/api/v1/track/{code}", headers=headers)).json()

    assert too_early.status_code == 409
    assert "«Mới đăng ký»" in too_early.json()["detail"]["message"]
    assert first.status_code == 200
    assert first.json()["feedback"]["rating"] == 5
    assert retried.status_code == 200
    assert changed.status_code == 409
    assert out_of_range.status_code == 422
    assert out_of_range.json()["detail"][0]["loc"] == ["body", "rating"]
    assert view["feedback_open"] is True
    assert view["feedback"]["rating"] == 5


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("withdraw", {"reason": "Không còn nhu cầu"}),
        ("supplement", {"documents": ["Bản sao Căn cước công dân"]}),
    ],
)
async def test_a_citizen_acting_on_a_closed_dossier_is_told_the_state(
    api: httpx.AsyncClient, path: str, body: dict[str, object]
) -> None:
    code, secret = await _submit_online(api)
    await drive(api, code, "accept", "transfer", "assign", "appraise", "approve")
    await drive(api, code, "mark_result_ready", "return_result")

    response = await api.post(
        f"/api/v1/track/{code}/{path}", json=body, headers={"X-Tracking-Secret": secret}
    )

    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert detail["reason"] == "illegal_action"
    assert "Đã trả kết quả" in detail["message"]
    assert detail["state"]["status"] == 10
