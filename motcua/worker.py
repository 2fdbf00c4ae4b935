"""The Temporal worker: dossier workflows and the activities they call."""

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator
from datetime import timedelta
from zoneinfo import ZoneInfo

from temporalio.client import Client
from temporalio.worker import Worker

from activities.deadlines import DeadlineActivities
from activities.forms import FormActivities
from activities.notifications import (
    Dispatcher,
    EmailSender,
    LogSender,
    NotificationActivities,
    Sender,
    SmsSender,
)
from activities.projection import ProjectionActivities
from db.session import SessionMaker, make_engine, make_sessionmaker
from motcua.settings import Settings
from motcua.temporal import connect, metrics_runtime
from workflows.consultation import ConsultationWorkflow
from workflows.dossier import DossierWorkflow

log = logging.getLogger(__name__)


def make_sender(settings: Settings) -> Sender:
    if settings.notification_channel == "email":
        return EmailSender(
            settings.smtp_host, settings.smtp_port, settings.smtp_sender, settings.email_domain
        )
    if settings.notification_channel == "sms":
        if not settings.sms_gateway_url:
            raise ValueError("MOTCUA_SMS_GATEWAY_URL is required for SMS notifications")
        return SmsSender(settings.sms_gateway_url)
    return LogSender()


@contextlib.asynccontextmanager
async def build_worker(
    client: Client,
    settings: Settings,
    sessionmaker: SessionMaker,
    task_queue: str | None = None,
    max_cached_workflows: int | None = None,
) -> AsyncIterator[Worker]:
    """The worker polling its task queue, with the outbox's dispatcher beside it."""
    outbox = Dispatcher(
        sessionmaker,
        make_sender(settings),
        settings.outbox_poll_seconds,
        timezone=ZoneInfo(settings.timezone),
        province=settings.province_code,
    )
    deadlines = DeadlineActivities(sessionmaker, settings.timezone, settings.working_periods)
    forms = FormActivities(
        sessionmaker, settings.secret_key, settings.timezone, settings.province_code
    )
    projection = ProjectionActivities(sessionmaker, deadlines.calendar, outbox, forms)
    notifications = NotificationActivities(sessionmaker, outbox)
    worker = Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=[DossierWorkflow, ConsultationWorkflow],
        activities=[
            projection.record_event,
            deadlines.compute_due,
            deadlines.plan_clocks,
            forms.render_form,
            notifications.notify,
        ],
        # Open dossiers waiting on a person stay in the sticky cache; a small cache halves
        # throughput (measured on the dev server), a large one costs memory (bench/README).
        max_cached_workflows=settings.worker_cached_workflows
        if max_cached_workflows is None
        else max_cached_workflows,
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=settings.worker_sticky_seconds),
    )
    async with worker:
        dispatching = asyncio.create_task(outbox.run(), name="outbox")
        try:
            yield worker
        finally:
            outbox.stop()
            await dispatching


async def run_worker(settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url)
    runtime = (
        metrics_runtime(settings.worker_metrics_port, settings.worker_metrics_host)
        if settings.worker_metrics_port
        else None
    )
    client = await connect(settings, runtime)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        # Leaving the block drains in-flight activities before the process exits.
        async with build_worker(client, settings, make_sessionmaker(engine)):
            # As in the API: start-up objects stay out of the collector's full passes.
            gc.collect()
            gc.freeze()
            log.info("worker polling task queue %s", settings.task_queue)
            await stop.wait()
    finally:
        await engine.dispose()


def main(settings: Settings) -> None:
    asyncio.run(run_worker(settings))
