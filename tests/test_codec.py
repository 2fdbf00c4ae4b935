"""Personal data is encrypted in Temporal's history, and keys rotate without losing any."""

import base64
import os
import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

import catalogue
from db.session import SessionMaker
from motcua.settings import Environment, Settings
from motcua.temporal import data_converter
from motcua.worker import build_worker
from schemas.actions import Acceptance
from schemas.dossier import Applicant, DossierStart
from services.intake import start_dossier
from workflows.dossier import DossierWorkflow

NAME, ID_NUMBER, PHONE = "Nguyễn Thị Hồng Nhung", "066190001234", "0912345678"


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def _start() -> DossierStart:
    birth = next(p for p in catalogue.load_procedures() if p.code == "1.001193")
    return DossierStart(
        code=f"103.00.00.H15-261122-E{uuid.uuid4().hex[:8]}",
        procedure_code=birth.code,
        procedure_version=birth.version,
        procedure=birth,
        receiving_unit="phuong-tan-lap",
        competent_authority="phuong-tan-lap",
        returning_unit="phuong-tan-lap",
        channel=1,
        applicant=Applicant(full_name=NAME, id_number=ID_NUMBER, phone=PHONE),
        submitted_at=datetime.now(UTC),
        submitted_by="clerk.phuong-tan-lap",
    )


async def _client(env: WorkflowEnvironment, settings: Settings, keys: str) -> Client:
    return await Client.connect(
        env.client.service_client.config.target_host,
        data_converter=data_converter(settings.model_copy(update={"payload_keys": keys})),
    )


async def test_the_raw_history_shows_no_name_id_number_or_phone(
    temporal_env: WorkflowEnvironment, settings: Settings, sessionmaker: SessionMaker
) -> None:
    client = await _client(temporal_env, settings, f"k1:{_key()}")
    start = _start()
    async with build_worker(client, settings, sessionmaker):
        await start_dossier(client, settings.task_queue, start)
        handle = client.get_workflow_handle_for(DossierWorkflow.run, start.code)
        await handle.execute_update(DossierWorkflow.accept, Acceptance(actor="clerk.x"))
        view = await handle.query(DossierWorkflow.view)

    # Read by a client without the key, as the server and its Web UI see it.
    raw = await temporal_env.client.get_workflow_handle(start.code).fetch_history()
    blob = b"".join(event.SerializeToString() for event in raw.events)
    assert len(raw.events) > 10
    for secret in (NAME, ID_NUMBER, PHONE):
        assert secret.encode() not in blob
    assert b"binary/encrypted" in blob
    assert view.snapshot.accepted_at is not None  # the keyed client reads it all


async def test_a_rotated_key_still_reads_what_the_old_one_wrote(
    temporal_env: WorkflowEnvironment, settings: Settings, sessionmaker: SessionMaker
) -> None:
    old, new = f"k1:{_key()}", f"k2:{_key()}"
    start = _start()
    before = await _client(temporal_env, settings, old)
    async with build_worker(before, settings, sessionmaker):
        await start_dossier(before, settings.task_queue, start)

    after = await _client(temporal_env, settings, f"{new},{old}")
    # No cache: the new worker replays the history the old key wrote.
    async with build_worker(after, settings, sessionmaker, max_cached_workflows=0):
        handle = after.get_workflow_handle_for(DossierWorkflow.run, start.code)
        view = await handle.execute_update(DossierWorkflow.accept, Acceptance(actor="c"))

    assert view.status == 2


def test_production_refuses_to_run_without_payload_keys() -> None:
    with pytest.raises(ValidationError, match="MOTCUA_PAYLOAD_KEYS"):
        Settings(
            environment=Environment.PRODUCTION, secret_key="a-real-secret-value-of-32-or-more-chars"
        )
