"""The Temporal worker: dossier workflows and the activities they call."""

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, IntegrityError
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.worker import Worker

import catalogue
from activities.complaints import ComplaintActivities
from activities.deadlines import DeadlineActivities
from activities.forms import FormActivities
from activities.messages import CitizenMessages
from activities.notifications import (
    Dispatcher,
    EmailSender,
    LogSender,
    NotificationActivities,
    QuietHours,
    Sender,
    SmsSender,
    ZaloZnsSender,
)
from activities.portal import PortalAccount, PortalClient, PortalRecords, PortalSync
from activities.projection import ProjectionActivities
from activities.results import ResultActivities
from db.reconciliation import make_daily
from db.session import SessionMaker, make_engine, make_sessionmaker
from motcua.heartbeat import heartbeat_file
from motcua.settings import Settings
from motcua.signing import signing
from motcua.storage import content_store
from motcua.temporal import connect, metrics_runtime
from schemas.messages import CitizenChannel
from workflows.complaint import ComplaintWorkflow
from workflows.consultation import ConsultationWorkflow
from workflows.dossier import DossierWorkflow

log = logging.getLogger(__name__)
# Temporal's long poll for a task: a healthy idle worker asks again at least this often.
_POLL_SECONDS = 70.0


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


def portal_client(settings: Settings) -> PortalClient:
    return PortalClient(
        PortalAccount(
            settings.portal_url,
            settings.portal_username,
            settings.portal_password,
            settings.portal_dstcode,
            settings.portal_agency,
        )
    )


def portal_sync(settings: Settings, sessionmaker: SessionMaker) -> PortalSync | None:
    """The sender to the national portal, when the settings name one."""
    if not settings.portal_url:
        return None
    return PortalSync(
        sessionmaker,
        portal_client(settings),
        batch=settings.portal_batch,
        max_backoff_seconds=settings.portal_max_backoff_seconds,
    )


def citizen_senders(settings: Settings) -> dict[str, Sender]:
    """The sender of each channel a citizen may choose; the log where none is configured."""
    senders: dict[str, Sender] = {channel.value: LogSender() for channel in CitizenChannel}
    if settings.sms_gateway_url:
        senders[CitizenChannel.SMS] = SmsSender(
            settings.sms_gateway_url, unaccented=settings.sms_unaccented
        )
    if settings.citizen_email_enabled:
        senders[CitizenChannel.EMAIL] = EmailSender(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_sender,
            settings.email_domain,
            direct=True,
        )
    if settings.zalo_zns_url and settings.zalo_zns_template_id:
        senders[CitizenChannel.ZALO] = ZaloZnsSender(
            settings.zalo_zns_url, settings.zalo_zns_access_token, settings.zalo_zns_template_id
        )
    return senders


@contextlib.asynccontextmanager
async def build_worker(
    client: Client,
    settings: Settings,
    sessionmaker: SessionMaker,
    task_queue: str | None = None,
    max_cached_workflows: int | None = None,
    clock: Callable[[], datetime] | None = None,
) -> AsyncIterator[Worker]:
    """The worker polling its task queue, with the outbox's dispatcher beside it."""
    outbox = Dispatcher(
        sessionmaker,
        make_sender(settings),
        ZoneInfo(settings.timezone),
        settings.outbox_poll_seconds,
        province=settings.province_code,
        citizen_senders=citizen_senders(settings),
        quiet=QuietHours.parse(settings.citizen_quiet_hours),
        # The outbox's clock (quiet hours, retries); a test pins it.
        **({} if clock is None else {"clock": clock}),
    )
    deadlines = DeadlineActivities(sessionmaker, settings.timezone, settings.working_periods)
    forms = FormActivities(
        sessionmaker,
        settings.secret_key,
        settings.timezone,
        settings.province_code,
        settings.public_url,
    )
    messages = CitizenMessages(
        catalogue.load_messages(),
        settings.secret_key,
        settings.public_url,
        ZoneInfo(settings.timezone),
    )
    sync = portal_sync(settings, sessionmaker)
    projection = ProjectionActivities(
        sessionmaker,
        deadlines.calendar,
        outbox,
        forms,
        ZoneInfo(settings.timezone),
        messages,
        None if sync is None else PortalRecords(ZoneInfo(settings.timezone)),
        sync,
    )
    notifications = NotificationActivities(sessionmaker, outbox)
    complaints = ComplaintActivities(sessionmaker, outbox)
    results = ResultActivities(
        sessionmaker,
        content_store(settings),
        signing(settings),
        settings.timezone,
        settings.province_code,
        settings.public_url,
    )
    worker = Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=[DossierWorkflow, ConsultationWorkflow, ComplaintWorkflow],
        activities=[
            projection.record_event,
            deadlines.compute_due,
            deadlines.plan_clocks,
            forms.render_form,
            notifications.notify,
            results.sign_result,
            complaints.alarm,
        ],
        # Open dossiers waiting on a person stay in the sticky cache; a small cache halves
        # throughput (measured on the dev server), a large one costs memory (bench/README).
        max_cached_workflows=settings.worker_cached_workflows
        if max_cached_workflows is None
        else max_cached_workflows,
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=settings.worker_sticky_seconds),
        # On SIGTERM, running activities get this long to finish before they are cancelled.
        graceful_shutdown_timeout=timedelta(seconds=settings.worker_drain_seconds),
    )
    async with worker:
        dispatching = asyncio.create_task(outbox.run(), name="outbox")
        syncing = None if sync is None else asyncio.create_task(sync.run(), name="portal-sync")
        stopping = asyncio.Event()
        reconciling = (
            None
            if sync is None
            else asyncio.create_task(
                reconcile_daily(sessionmaker, ZoneInfo(settings.timezone), stopping),
                name="daily-reconciliation",
            )
        )
        try:
            yield worker
        finally:
            outbox.stop()
            stopping.set()
            await dispatching
            if sync is not None and syncing is not None:
                sync.stop()
                await syncing
            if reconciling is not None:
                await reconciling


def _now() -> datetime:
    return datetime.now(UTC)


async def reconcile_daily(
    sessionmaker: SessionMaker,
    tz: tzinfo,
    stopping: asyncio.Event,
    every: float = 300.0,
    clock: Callable[[], datetime] = _now,
) -> None:
    """Beside the portal's sender: each morning's reconciliation, made by whichever worker
    looks first after 06:00 and kept (db/reconciliation.py). A starting worker looks only
    after one period: the sender drains what waited for it first (a restart, the demo's
    seeding), so the day's report shows the province as it stands, not as it woke."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), every)
        if stopping.is_set():
            return
        try:
            async with sessionmaker() as session, session.begin():
                made = await make_daily(session, tz, clock())
            if made is not None:
                level = logging.WARNING if made.mismatches else logging.INFO
                log.log(
                    level,
                    "portal reconciliation of %s: %d dossiers, %d out of step",
                    made.day,
                    made.dossiers,
                    made.mismatches,
                )
        except IntegrityError:
            pass  # another worker kept the day's report first
        except (DBAPIError, OSError) as exc:
            log.warning("portal reconciliation not made: %s; trying again later", exc)


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
    beat = heartbeat_file(settings)
    try:
        # Leaving the block drains in-flight activities before the process exits.
        async with build_worker(client, settings, make_sessionmaker(engine)):
            # As in the API: start-up objects stay out of the collector's full passes.
            gc.collect()
            gc.freeze()
            log.info("worker polling task queue %s", settings.task_queue)
            beating = asyncio.create_task(_heartbeat(client, settings, beat, stop))
            await stop.wait()
            await beating
    finally:
        await asyncio.to_thread(beat.unlink, missing_ok=True)
        await engine.dispose()


async def polling(client: Client, settings: Settings) -> bool:
    """Whether Temporal saw this worker ask for workflow tasks lately: a worker whose
    loop or workflow thread is stuck stops asking, though its process is alive."""
    answer = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=settings.temporal_namespace,
            task_queue=TaskQueue(name=settings.task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        ),
        timeout=timedelta(seconds=5),
    )
    # A long poll lasts about a minute, and the next one starts at once.
    recent = time.time() - _POLL_SECONDS
    return any(
        poller.identity == client.identity and poller.last_access_time.ToSeconds() >= recent
        for poller in answer.pollers
    )


async def _heartbeat(client: Client, settings: Settings, beat: Path, stop: asyncio.Event) -> None:
    await asyncio.to_thread(beat.parent.mkdir, parents=True, exist_ok=True)
    while not stop.is_set():
        try:
            if await polling(client, settings):
                await asyncio.to_thread(beat.touch)
        except RPCError as exc:
            # Temporal away: no proof of progress, so no beat; the worker's own retries
            # reconnect, and a long outage ends in a replaced worker, not a stuck one.
            log.warning("heartbeat: cannot ask Temporal about this worker: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.worker_heartbeat_seconds)


def main(settings: Settings) -> None:
    asyncio.run(run_worker(settings))
