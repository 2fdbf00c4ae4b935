"""The provincial report's buckets and the Decision 766 indicators the engine can compute.

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
- 3.6 online payment share = paid online / paid, among dossiers with a fee or obligation;
- 4.1 electronic results = results returned electronically / results returned;
- 4.2 digitised share: not recorded by the engine yet (None);
- 5.4 satisfaction = 100 % − (% late or overdue + % with a complaint); complaints are not
  recorded by the engine yet, so only the first term counts.
Shares are percentages rounded to one decimal; None when the denominator is zero.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from worktime.calendar import WorkingCalendar


@dataclass(frozen=True)
class DossierFacts:
    unit: str
    channel: int
    status: int
    submitted_at: datetime
    accepted_at: datetime | None
    finished_at: datetime | None
    legal_due_at: datetime | None
    late_by_rule: bool
    withdrawn: bool
    paused_working_hours: float
    result_method: str | None
    payment_method: str | None
    payment_amount_vnd: int | None


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
    processing_days: list[float] = field(default_factory=list)
    paid: int = 0
    paid_online: int = 0
    returned: int = 0
    returned_electronically: int = 0

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
        return {
            "2.1": _share(good, judged),
            "2.2": round(sum(self.processing_days) / len(self.processing_days), 2)
            if self.processing_days
            else None,
            "3.3": _share(self.received[2], received),
            "3.6": _share(self.paid_online, self.paid),
            "4.1": _share(self.returned_electronically, self.returned),
            "4.2": None,
            "5.4": None if late_share is None else round(100 - late_share, 1),
        }


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)


def report(
    calendar: WorkingCalendar, facts: list[DossierFacts], start: datetime, end: datetime
) -> dict[str, UnitReport]:
    units: dict[str, UnitReport] = defaultdict(lambda: UnitReport(unit=""))
    for fact in facts:
        unit = units[fact.unit]
        unit.unit = fact.unit
        finished = fact.finished_at
        if fact.submitted_at < start and (finished is None or finished >= start):
            unit.carried_over += 1
        if start <= fact.submitted_at < end:
            unit.received[fact.channel] = unit.received.get(fact.channel, 0) + 1
        if finished is not None and start <= finished < end:
            _count_finished(calendar, unit, fact, finished)
        elif fact.submitted_at < end and (finished is None or finished >= end):
            _count_open(unit, fact, end)
    return dict(sorted(units.items()))


def _count_finished(
    calendar: WorkingCalendar, unit: UnitReport, fact: DossierFacts, finished: datetime
) -> None:
    if fact.status == 3:
        unit.refused += 1
        return
    if fact.withdrawn:
        unit.withdrawn += 1
        return
    if fact.legal_due_at is None or fact.accepted_at is None:
        return
    if fact.late_by_rule or finished > fact.legal_due_at:
        unit.finished_late += 1
    elif finished.astimezone(calendar.tz).date() < fact.legal_due_at.astimezone(calendar.tz).date():
        unit.finished_early += 1
    else:
        unit.finished_on_time += 1
    hours = calendar.working_hours_between(fact.accepted_at, finished) - fact.paused_working_hours
    unit.processing_days.append(max(hours, 0.0) / calendar.hours_per_day)
    if fact.payment_method is not None:
        unit.paid += 1
        unit.paid_online += fact.payment_method == "online"
    if fact.status == 10:
        unit.returned += 1
        unit.returned_electronically += fact.result_method == "electronic"


def _count_open(unit: UnitReport, fact: DossierFacts, end: datetime) -> None:
    if fact.legal_due_at is None:
        return  # not accepted yet: no deadline to judge
    if fact.status == 5:
        unit.paused += 1
    if fact.late_by_rule or fact.legal_due_at < end:
        unit.in_progress_overdue += 1
    else:
        unit.in_progress_within_deadline += 1
