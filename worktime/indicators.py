"""The provincial report's buckets and the Decision 766 indicators the engine can compute.

A dossier is judged once, when its processing ends (`judge`, called by the projection),
so a report over a million dossiers is a handful of sums in SQL (`db.statistics`).

Formulas (period [start, end), per unit; "finished" = first of result ready, returned,
refused or stopped):

- carried over: submitted before the period and not finished before it;
- received: submitted in the period, by channel (1 in person, 2 online, 3 post);
- finished early / on time / late: finished in the period, not refused nor withdrawn;
  late when finished after the legal due date (Form 01's date plus paused time, so
  supplement time is subtracted) or when a second supplement was requested; early when
  finished on a day before the due date's day;
- in progress within deadline / overdue: not finished at the period's end, judged there
  against the legal due date; paused: of those, waiting for the applicant's supplement;
- refused; withdrawn (finished in the period).

766 indicators:
- 2.1 on-time share = (early + on time + in progress within deadline) /
  (early + on time + late + in progress within deadline + overdue);
- 2.2 average processing time = mean working days from acceptance to finish, paused time
  subtracted, over dossiers finished early, on time or late;
- 3.3 online share = received online / received;
- 3.6 online payment share = paid online / paid, among dossiers with a fee or obligation
  finished in the period;
- 4.1 electronic results = results returned electronically / results returned;
- 4.2 digitised share = digitised / accepted, among dossiers received in the period
  (paper ones scanned and signed at receipt; online ones are born digital);
- 5.4 satisfaction = 100 % − (% late or overdue + % with a complaint), both shares of
  the dossiers judged for 2.1; a complaint is the applicant's, sent with their rating.
Shares are percentages rounded to one decimal; None when the denominator is zero.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from worktime.calendar import WorkingCalendar


class Outcome(StrEnum):
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


JUDGED_OUTCOMES = (Outcome.EARLY, Outcome.ON_TIME, Outcome.LATE)
_REFUSED_STATUS = 3


@dataclass(frozen=True)
class Judgement:
    outcome: Outcome | None
    processing_days: float | None


def judge(
    calendar: WorkingCalendar,
    *,
    status: int,
    withdrawn: bool,
    late_by_rule: bool,
    accepted_at: datetime | None,
    finished_at: datetime,
    legal_due_at: datetime | None,
    paused_working_hours: float,
) -> Judgement:
    """How a finished dossier counts; None for one stopped before it was ever accepted."""
    if status == _REFUSED_STATUS:
        return Judgement(Outcome.REFUSED, None)
    if withdrawn:
        return Judgement(Outcome.WITHDRAWN, None)
    if legal_due_at is None or accepted_at is None:
        return Judgement(None, None)
    if late_by_rule or finished_at > legal_due_at:
        outcome = Outcome.LATE
    elif finished_at.astimezone(calendar.tz).date() < legal_due_at.astimezone(calendar.tz).date():
        outcome = Outcome.EARLY
    else:
        outcome = Outcome.ON_TIME
    hours = calendar.working_hours_between(accepted_at, finished_at) - paused_working_hours
    return Judgement(outcome, round(max(hours, 0.0) / calendar.hours_per_day, 4))


@dataclass
class UnitReport:
    unit: str
    carried_over: int = 0
    received: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    finished_early: int = 0
    finished_on_time: int = 0
    finished_late: int = 0
    in_progress_within_deadline: int = 0
    in_progress_overdue: int = 0
    paused: int = 0
    refused: int = 0
    withdrawn: int = 0
    average_processing_days: float | None = None
    paid: int = 0
    paid_online: int = 0
    returned: int = 0
    returned_electronically: int = 0
    accepted: int = 0
    digitised: int = 0
    complaints: int = 0

    def indicators(self) -> dict[str, float | None]:
        judged = (
            self.finished_early
            + self.finished_on_time
            + self.finished_late
            + self.in_progress_within_deadline
            + self.in_progress_overdue
        )
        good = self.finished_early + self.finished_on_time + self.in_progress_within_deadline
        received = sum(self.received.values())
        late_share = _share(self.finished_late + self.in_progress_overdue, judged)
        complaint_share = _share(self.complaints, judged)
        satisfaction = None
        if late_share is not None and complaint_share is not None:
            satisfaction = round(max(100 - late_share - complaint_share, 0.0), 1)
        return {
            "2.1": _share(good, judged),
            "2.2": None
            if self.average_processing_days is None
            else round(self.average_processing_days, 2),
            "3.3": _share(self.received.get(2, 0), received),
            "3.6": _share(self.paid_online, self.paid),
            "4.1": _share(self.returned_electronically, self.returned),
            "4.2": _share(self.digitised, self.accepted),
            "5.4": satisfaction,
        }


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)
