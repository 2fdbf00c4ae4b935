"""The database away (stopped, restarting, failing over): every caller gets a 503 to retry,
Vietnamese first, never a 500 with a trace, and never told "nothing was changed" when its
action was recorded. `tests/faults` stops the real PostgreSQL while
dossiers move; here the API points at an address where no database listens."""

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

from activities.deadlines import DeadlineActivities
from activities.forms import FormActivities
from activities.notifications import Dispatcher, LogSender
from activities.projection import ProjectionActivities
from api.app import create_app
from api.deps import Resources
from db.session import SessionMaker, make_engine, make_sessionmaker
from motcua.settings import Settings
from schemas.deadlines import ClockResult
from schemas.dossier import EventType
from schemas.records import RecordEvent
from tests.auth import StaffAuth, bearer
from tests.conftest import DATABASE_URL
from tests.factories import RECEIVED, submission
from tests.province import TZ
from workflows.consultation import ConsultationWorkflow
from workflows.dossier import DossierWorkflow

# Nothing listens on port 1: every connection is refused, as with a stopped server.
NO_DATABASE = "postgresql+asyncpg://postgres@127.0.0.1:1/motcua"
CODE = "202.00.00.H15-261130-0001"


@pytest.fixture
async def api_without_database(
    settings: Settings, temporal_client: Client
) -> AsyncIterator[httpx.AsyncClient]:
    engine = make_engine(NO_DATABASE)
    app = create_app(
        settings, resources=Resources(settings, engine, make_sessionmaker(engine), temporal_client)
    )
    async with app.router.lifespan_context(app):
        # A page's error passes Starlette's last handler, which raises it again for the
        # server to log once the answer is sent; the client must read that answer.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://motcua.test", auth=StaffAuth(settings)
        ) as client:
            yield client
    await engine.dispose()


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/track/{CODE}?secret=abc",  # a citizen's look-up
        "/api/v1/queues/phuong-tan-lap",  # a clerk's queue: signing in reads the user first
        f"/api/v1/dossiers/{CODE}",
    ],
)
async def test_an_api_call_answers_503_and_asks_to_retry(
    api_without_database: httpx.AsyncClient, path: str
) -> None:
    response = await api_without_database.get(path)
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"
    detail = response.json()["detail"]
    assert detail["code"] == "database_unavailable"
    assert "mất kết nối cơ sở dữ liệu" in detail["message"]
    assert "lost its database" in detail["message_en"]


async def test_a_submission_answers_503_and_starts_no_dossier(
    api_without_database: httpx.AsyncClient, settings: Settings, temporal_client: Client
) -> None:
    response = await api_without_database.post(
        "/api/v1/dossiers", json=submission(), headers={"Idempotency-Key": "away-1"}
    )
    assert response.status_code == 503, response.text
    assert response.json()["detail"]["code"] == "database_unavailable"
    started = [
        w async for w in temporal_client.list_workflows(f"TaskQueue = '{settings.task_queue}'")
    ]
    assert started == []


async def test_a_page_answers_503_in_vietnamese(api_without_database: httpx.AsyncClient) -> None:
    response = await api_without_database.get("/tra-cuu", params={"code": CODE, "secret": "abc"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "mất kết nối cơ sở dữ liệu" in response.text
    assert "Traceback" not in response.text


API_NAME = "motcua-api-cut"


class CutAfterAcceptance(ProjectionActivities):
    """Logs as the worker does; once an acceptance is logged, ends the API's connections
    from the server's side: the database lost between an action and its answer."""

    def __init__(self, sessionmaker: SessionMaker, deadlines: DeadlineActivities) -> None:
        forms = FormActivities(sessionmaker, "test", "Asia/Ho_Chi_Minh", "dak-lak")
        super().__init__(
            sessionmaker, deadlines.calendar, Dispatcher(sessionmaker, LogSender(), TZ), forms, TZ
        )
        self.cutter = sessionmaker

    @activity.defn(name="record_dossier_event")
    async def record_event(self, record: RecordEvent) -> ClockResult | None:
        planned = await super().record_event(record)
        if record.event.type is EventType.ACCEPTED:
            async with self.cutter() as session:
                await (await session.connection()).execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name"
                    ).bindparams(name=API_NAME)
                )
        return planned


@pytest.fixture
async def api_cut_after_acceptance(
    settings: Settings, sessionmaker: SessionMaker, temporal_client: Client
) -> AsyncIterator[httpx.AsyncClient]:
    engine = make_engine(
        DATABASE_URL, connect_args={"server_settings": {"application_name": API_NAME}}
    )
    app = create_app(
        settings, resources=Resources(settings, engine, make_sessionmaker(engine), temporal_client)
    )
    deadlines = DeadlineActivities(sessionmaker, settings.timezone, settings.working_periods)
    projection = CutAfterAcceptance(sessionmaker, deadlines)
    worker = Worker(
        temporal_client,
        task_queue=settings.task_queue,
        workflows=[DossierWorkflow, ConsultationWorkflow],
        activities=[projection.record_event, deadlines.plan_clocks],
    )
    async with worker, app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://motcua.test", auth=StaffAuth(settings)
        ) as client:
            yield client
    await engine.dispose()


async def test_an_action_recorded_as_the_database_went_away_says_it_was_recorded(
    api_cut_after_acceptance: httpx.AsyncClient,
) -> None:
    api = api_cut_after_acceptance
    code = (await api.post("/api/v1/dossiers", json=submission())).json()["code"]
    key = {"Idempotency-Key": f"accept-{code}"}

    response = await api.post(
        f"/api/v1/dossiers/{code}/actions/accept", json={"checklist": RECEIVED}, headers=key
    )

    # Not "nothing was changed": the acceptance is in the log, and doing it again is refused.
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"
    detail = response.json()["detail"]
    assert detail["code"] == "recorded_database_unavailable"
    assert "«Tiếp nhận hồ sơ»" in detail["message"]
    assert "đã được ghi nhận" in detail["message"]
    assert "Không cần làm lại" in detail["message"]
    assert "was recorded" in detail["message_en"]
    # The same request again, on a new connection: the accepted dossier, accepted once.
    again = await api.post(
        f"/api/v1/dossiers/{code}/actions/accept", json={"checklist": RECEIVED}, headers=key
    )
    assert again.status_code == 200, again.text
    assert again.json()["sub_state"]["code"] == "awaiting_transfer"
    assert [e["type"] for e in again.json()["timeline"]].count("accepted") == 1


async def test_at_the_counter_the_recorded_action_goes_on_to_the_dossiers_page(
    api_cut_after_acceptance: httpx.AsyncClient, settings: Settings
) -> None:
    api = api_cut_after_acceptance
    code = (await api.post("/api/v1/dossiers", json=submission())).json()["code"]
    clerk = bearer(settings, "clerk.phuong-tan-lap").removeprefix("Bearer ")
    api.cookies.set("motcua_session", clerk)

    done = await api.post(
        f"/can-bo/ho-so/{code}/kiem-tra",
        data={
            "key": f"page-{code}",
            "decision": "accept",
            **{f"state-{m['slot']}": m["state"] for m in RECEIVED},
            **{f"form-{m['slot']}": m["form"] for m in RECEIVED},
        },
        headers={"Origin": "http://motcua.test"},
    )
    page = await api.get(done.headers["location"])

    # Not the 409 page of a failed action, nor "nothing was changed": the dossier, accepted.
    assert done.status_code == 303
    assert done.headers["location"].endswith("?done=accept")
    assert page.status_code == 200
    assert "Được tiếp nhận" in page.text  # the official status name
    assert "Tiếp nhận hồ sơ — clerk.phuong-tan-lap" in page.text
