"""Every workflow patch in one place: what changed, the day it came, and when its old branch
may go.

A dossier started before a patch replays its old branch for life (`workflow.patched` is
remembered in its history). Once no such dossier is open — the longest legal time limit
plus its pauses, kept here as a date to check against the open dossiers' start — the
branch becomes `workflow.deprecate_patch(id)` for one release, and then the old code goes.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Patch:
    id: str
    introduced: str  # ISO date of the commit that brought it
    change: str


# The dossier's own activities run inside the workflow task (local activities).
LOCAL_ACTIVITIES = "local-activities"
# An alarm already due fires at once, without a timer.
AT_ONCE = "fire-due-alarms-at-once"
# A rung's notifications are queued with its event, in the projection's transaction, for
# the worker's dispatcher; before, a regular activity queued and sent them after the log.
OUTBOX = "notify-through-outbox"
# The dates are planned and the form issued in the step that logs the event: one local
# activity per action where there were up to three.
ONE_STEP = "one-step-per-action"
# The deadline timer runs on through an action that leaves the next deadline where it was.
KEEP_TIMER = "keep-timer-while-deadline-holds"
# A calendar change logs every date it moved (the legal and the step's), not only the
# current due date: an extended dossier's Form 04 date stands while its legal date moves.
LOG_EVERY_DATE = "log-every-moved-date"
# Approval renders the result and has it signed on the token before the dossier is signed;
# before, the approval recorded a decision number and nothing was issued.
SIGNED_RESULTS = "signed-results"

PATCHES = (
    Patch(LOCAL_ACTIVITIES, "2026-11-23", "log, clocks and forms as local activities"),
    Patch(AT_ONCE, "2026-11-23", "an alarm already due fires without a timer"),
    Patch(OUTBOX, "2026-11-30", "notifications through the outbox, in the event's transaction"),
    Patch(ONE_STEP, "2026-12-01", "one local activity per action"),
    Patch(KEEP_TIMER, "2026-12-01", "one deadline timer per clock"),
    Patch(LOG_EVERY_DATE, "2026-12-02", "a calendar change logs the legal date it moved"),
    Patch(SIGNED_RESULTS, "2026-12-02", "approval issues a signed result"),
)
# The longest a dossier stays open under today's catalogue (17 + 3 working days for a first
# land certificate, plus pauses): an old branch may go this long after its patch, once a
# query finds no open dossier started before the patch's day.
OLD_BRANCHES_KEPT_DAYS = 120
