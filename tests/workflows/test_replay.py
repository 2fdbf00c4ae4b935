"""Replay safety: histories recorded from every lifecycle path must replay on today's code.

A change to workflow code that would make a running dossier take a different path fails
here, before it reaches a worker (see README, "Changing workflow code"). Re-record after a
deliberate, versioned change:
`MOTCUA_RECORD_HISTORIES=tests/workflows/histories make test`.
"""

import base64
import gzip
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from motcua.temporal import PLAIN_CONVERTER
from workflows import patches
from workflows.consultation import ConsultationWorkflow
from workflows.dossier import DossierWorkflow
from workflows.patches import (
    AT_ONCE,
    KEEP_TIMER,
    LOCAL_ACTIVITIES,
    LOG_EVERY_DATE,
    ONE_STEP,
    OUTBOX,
    PATCHES,
)

_FOLDER = Path(__file__).parent / "histories"
_ROOT = Path(__file__).resolve().parents[2]
# Recorded on today's code. Each older generation stays beside it: dossiers still open at
# an upgrade must carry on.
CURRENT = sorted(_FOLDER.glob("*.json.gz"))
# Before the `log-every-moved-date` patch: a calendar change that moved only the legal or
# the step's date (an extended dossier) was not logged.
BEFORE_EVERY_DATE = sorted((_FOLDER / "before-every-date").glob("*.json.gz"))
# Before the `one-step-per-action` and `keep-timer-while-deadline-holds` patches: the
# dates planned and the form issued each in a local activity of its own, beside the one
# that logs the event, and the deadline timer started again by every action.
BEFORE_ONE_STEP = sorted((_FOLDER / "before-one-step").glob("*.json.gz"))
# Before the `notify-through-outbox` patch: a notification activity after each fired rung.
BEFORE_OUTBOX = sorted((_FOLDER / "before-outbox").glob("*.json.gz"))
# Before the `local-activities` patch: every step of a dossier a regular activity.
BEFORE_LOCAL_ACTIVITIES = sorted((_FOLDER / "regular-activities").glob("*.json.gz"))
HISTORIES = CURRENT + BEFORE_EVERY_DATE + BEFORE_ONE_STEP + BEFORE_OUTBOX + BEFORE_LOCAL_ACTIVITIES


def _history(path: Path, mutate: bool = False) -> WorkflowHistory:
    text = gzip.decompress(path.read_bytes()).decode()
    if mutate:
        data = json.loads(text)
        # What a careless edit does: the first activity becomes another one.
        for event in data["events"]:
            attributes = event.get("activityTaskScheduledEventAttributes")
            if attributes:
                attributes["activityType"]["name"] = "render_form_v2"
                break
        text = json.dumps(data)
    return WorkflowHistory.from_json(path.name.removesuffix(".json.gz"), text)


async def _each(histories: list[WorkflowHistory]) -> AsyncIterator[WorkflowHistory]:
    for history in histories:
        yield history


def _replayer() -> Replayer:
    return Replayer(
        workflows=[DossierWorkflow, ConsultationWorkflow], data_converter=PLAIN_CONVERTER
    )


async def test_every_recorded_lifecycle_replays_on_the_current_code() -> None:
    results = await _replayer().replay_workflows(
        _each([_history(path) for path in HISTORIES]), raise_on_replay_failure=False
    )

    failures = {run: str(error) for run, error in results.replay_failures.items()}
    assert len(CURRENT) >= 30
    assert len(BEFORE_EVERY_DATE) >= 30
    assert len(BEFORE_ONE_STEP) >= 30
    assert len(BEFORE_OUTBOX) >= 30
    assert len(BEFORE_LOCAL_ACTIVITIES) >= 30
    assert failures == {}


async def test_histories_from_before_local_activities_ran_regular_activities() -> None:
    """The generations differ where each patch says, so both paths are exercised."""
    before = next(p for p in BEFORE_LOCAL_ACTIVITIES if "test_full_path" in p.name)
    current = next(p for p in CURRENT if "test_full_path" in p.name)
    assert "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED" in _kinds(before)
    assert "EVENT_TYPE_MARKER_RECORDED" not in _kinds(before)
    assert "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED" not in _kinds(current)
    assert "EVENT_TYPE_MARKER_RECORDED" in _kinds(current)


def test_one_step_per_action_logs_plans_and_issues_in_one_local_activity() -> None:
    """The whole path from the commune's counter to the province and back: every action
    one step, where accepting took three (plan, log, Form 01) and transferring two."""

    def steps(path: Path) -> list[str]:
        return [m["activity_type"] for m in _markers(path, "core_local_activity", "data")]

    before = next(p for p in BEFORE_ONE_STEP if "test_full_path" in p.name)
    current = next(p for p in CURRENT if "test_full_path" in p.name)
    assert sorted(set(steps(before))) == ["plan_clocks", "record_dossier_event", "render_form"]
    assert set(steps(current)) == {"record_dossier_event"}
    assert len(steps(current)) == steps(before).count("record_dossier_event")


def test_the_deadline_timer_runs_through_actions_that_leave_the_deadline() -> None:
    """Accepted, the dossier's clock starts one timer; transferring, assigning, appraising
    and signing leave its next deadline where it was, and the result ready ends it."""

    def timers(path: Path) -> tuple[int, int]:
        kinds = [event["eventType"] for event in _events(path)]
        return kinds.count("EVENT_TYPE_TIMER_STARTED"), kinds.count("EVENT_TYPE_TIMER_CANCELED")

    before = next(p for p in BEFORE_ONE_STEP if "test_full_path" in p.name)
    current = next(p for p in CURRENT if "test_full_path" in p.name)
    assert timers(before) == (5, 5)
    assert timers(current) == (1, 1)


def test_histories_from_before_the_outbox_notified_through_an_activity() -> None:
    def notified(path: Path) -> bool:
        return any(
            event.get("activityTaskScheduledEventAttributes", {})
            .get("activityType", {})
            .get("name")
            == "notify"
            for event in _events(path)
        )

    def rungs(paths: list[Path]) -> list[Path]:
        return [p for p in paths if "test_each_rung_fires_once_in_order" in p.name]

    assert rungs(BEFORE_OUTBOX)
    assert all(notified(p) for p in rungs(BEFORE_OUTBOX))
    assert rungs(CURRENT)
    assert not any(notified(p) for p in CURRENT)


def _kinds(path: Path) -> set[str]:
    return {event["eventType"] for event in _events(path)}


def _events(path: Path) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = json.loads(gzip.decompress(path.read_bytes()))["events"]
    return events


def _markers(path: Path, name: str, key: str) -> list[dict[str, Any]]:
    """What each marker of that name records (a patch's id, a local activity's type)."""
    found = []
    for event in _events(path):
        marker = event.get("markerRecordedEventAttributes")
        if marker and marker["markerName"] == name:
            [payload] = marker["details"][key]["payloads"]
            found.append(json.loads(base64.b64decode(payload["data"])))
    return found


def _patches(path: Path) -> set[str]:
    return {marker["id"] for marker in _markers(path, "core_patch", "patch-data")}


def test_the_current_histories_take_every_patched_path() -> None:
    """So the replay test checks the new side of each patch, not only the old."""

    def taken(paths: list[Path]) -> set[str]:
        return set().union(*(_patches(path) for path in paths))

    assert taken(CURRENT) == {
        LOCAL_ACTIVITIES,
        AT_ONCE,
        OUTBOX,
        ONE_STEP,
        KEEP_TIMER,
        LOG_EVERY_DATE,
    }
    assert taken(BEFORE_EVERY_DATE) == {LOCAL_ACTIVITIES, AT_ONCE, OUTBOX, ONE_STEP, KEEP_TIMER}
    assert taken(BEFORE_ONE_STEP) == {LOCAL_ACTIVITIES, AT_ONCE, OUTBOX}
    assert taken(BEFORE_OUTBOX) == {LOCAL_ACTIVITIES, AT_ONCE}
    assert taken(BEFORE_LOCAL_ACTIVITIES) == set()


async def test_a_non_deterministic_change_fails_the_replay() -> None:
    dossier = next(p for p in BEFORE_LOCAL_ACTIVITIES if "test_full_path" in p.name)

    results = await _replayer().replay_workflows(
        _each([_history(dossier, mutate=True)]), raise_on_replay_failure=False
    )

    [failure] = results.replay_failures.values()
    assert isinstance(failure, NondeterminismError)


def test_every_patch_the_workflows_take_is_registered_with_its_day() -> None:
    """One list says which patches exist and since when (workflows/patches.py)."""
    source = "".join(p.read_text() for p in (_ROOT / "workflows").glob("*.py"))
    called = set(re.findall(r"workflow\.patched\(([A-Z_]+)\)", source))
    registered = {patch.id for patch in PATCHES}

    assert {getattr(patches, name) for name in called} == registered
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", patch.introduced) for patch in PATCHES)
