"""Deadline activities: working-hour due dates and a dossier's clock plan, on today's calendar.

Each call reads the calendar overrides, so an administrator's change applies to the next
computation of every dossier; the answer is recorded in the workflow's history, which
keeps replay deterministic whatever the calendar says later.
"""

from datetime import time

from temporalio import activity

from db.calendar import load_overrides
from db.session import SessionMaker, without_transaction
from schemas.calendar import DueRequest, DueResult
from schemas.deadlines import ClockRequest, ClockResult
from worktime.calendar import WorkingCalendar
from worktime.clocks import plan


class DeadlineActivities:
    def __init__(
        self, sessionmaker: SessionMaker, timezone: str, periods: tuple[tuple[time, time], ...]
    ) -> None:
        self._sessionmaker = sessionmaker
        self._timezone = timezone
        self._periods = periods
        self._latest: tuple[object, WorkingCalendar] | None = None

    async def calendar(self) -> WorkingCalendar:
        async with self._sessionmaker() as session:
            await without_transaction(session)
            days_off, working_days = await load_overrides(session)
        # The same overrides give the same calendar: keep it, with the public holidays it
        # has already worked out for the years it was asked about.
        overrides = (sorted(days_off.items()), working_days)
        if self._latest is None or self._latest[0] != overrides:
            calendar = WorkingCalendar(self._timezone, self._periods, days_off, working_days)
            self._latest = (overrides, calendar)
        return self._latest[1]

    @activity.defn(name="compute_due")
    async def compute_due(self, request: DueRequest) -> DueResult:
        return (await self.calendar()).due(request.start, request.time_limit)

    @activity.defn(name="plan_clocks")
    async def plan_clocks(self, request: ClockRequest) -> ClockResult:
        return plan(await self.calendar(), request)
