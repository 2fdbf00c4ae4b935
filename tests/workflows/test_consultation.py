"""Consultations: an unanswered one expires at its own deadline and the dossier moves on."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

from activities.deadlines import DeadlineActivities
from activities.forms import FormActivities
from activities.notifications import Dispatcher, LogSender, NotificationActivities
from activities.projection import ProjectionActivities
from db.session import SessionMaker
from motcua.settings import Settings
from schemas.calendar import DueRequest, DueResult
from tests.journeys import act, drive, submit
from tests.province import TZ
from workflows.consultation import (
    ConsultationReply,
    ConsultationTask,
    ConsultationWorkflow,
)
from workflows.dossier import DossierWorkflow

SECONDS_PER_WORKING_DAY = 2


@activity.defn(name="compute_due")
async def compressed_due(request: DueRequest) -> DueResult:
    """Stand-in: each working day lasts two seconds, so a deadline passes inside the test."""
    seconds = max(request.time_limit.value, 1) * SECONDS_PER_WORKING_DAY
    due = request.start + timedelta(seconds=seconds)
    return DueResult(due_at=due, explanation_vi="rút gọn", explanation_en="compressed")


@pytest.fixture
async def compressed_api(
    temporal_client: Client,
    settings: Settings,
    sessionmaker: SessionMaker,
    app_without_worker: httpx.AsyncClient,
) -> AsyncIterator[httpx.AsyncClient]:
    forms = FormActivities(
        sessionmaker, settings.secret_key, settings.timezone, settings.province_code
    )
    deadlines = DeadlineActivities(sessionmaker, settings.timezone, settings.working_periods)
    outbox = Dispatcher(sessionmaker, LogSender(), TZ)
    projection = ProjectionActivities(sessionmaker, deadlines.calendar, outbox, forms, TZ)
    notifications = NotificationActivities(sessionmaker, outbox)
    async with Worker(
        temporal_client,
        task_queue=settings.task_queue,
        workflows=[DossierWorkflow, ConsultationWorkflow],
        activities=[
            projection.record_event,
            forms.render_form,
            compressed_due,
            deadlines.plan_clocks,
            notifications.notify,
        ],
    ):
        yield app_without_worker


async def test_an_unanswered_consultation_expires_and_the_dossier_returns_to_appraisal(
    compressed_api: httpx.AsyncClient,
) -> None:
    api = compressed_api
    code = await submit(api, procedure_code="2.000488", receiving_unit="xa-vu-bon")
    await drive(api, code, "accept", "transfer", "assign")
    agencies = [
        {"unit": "cong-an-tinh", "question": "Xác minh án tích", "respond_within_days": 1},
        {"unit": "so-noi-vu", "question": "Xác minh nhân thân", "respond_within_days": 30},
    ]
    await act(api, code, "consult", agencies=agencies)
    await act(api, code, "answer_consultation", unit="so-noi-vu")

    for _ in range(40):  # the police's deadline is two seconds away
        detail = (await api.get(f"/api/v1/dossiers/{code}")).json()
        if detail["sub_state"]["code"] == "in_appraisal":
            break
        await asyncio.sleep(0.25)

    assert detail["sub_state"]["code"] == "in_appraisal"
    police = next(c for c in detail["consultations"] if c["unit"] == "cong-an-tinh")
    assert police["expired"] is True
    assert police["answered_at"] is None
    assert detail["timeline"][-1]["type"] == "consultation_expired"
    assert detail["timeline"][-1]["actor"] == "system"


async def test_the_first_answer_counts(temporal_client: Client, task_queue: str) -> None:
    async with Worker(temporal_client, task_queue=task_queue, workflows=[ConsultationWorkflow]):
        handle = await temporal_client.start_workflow(
            ConsultationWorkflow.run,
            ConsultationTask(
                dossier_code="X",
                unit="so-noi-vu",
                question="?",
                due_at=datetime.now(UTC) + timedelta(seconds=60),
            ),
            id=f"consultation-{task_queue}",
            task_queue=task_queue,
        )
        await handle.signal(
            ConsultationWorkflow.answer, ConsultationReply(actor="a", agrees=True, opinion="Đồng ý")
        )
        await handle.signal(
            ConsultationWorkflow.answer, ConsultationReply(actor="b", agrees=False, opinion="Không")
        )
        outcome = await handle.result()

    assert outcome.expired is False
    assert outcome.reply is not None
    assert outcome.reply.opinion == "Đồng ý"
