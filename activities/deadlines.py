"""Deadline activities: working-hour due dates and a dossier's clock plan, on today's calendar.

Each call reads the calendar overrides, so an administrator's change applies to the next
computation of every dossier; the answer is recorded in the workflow's history, which
keeps replay deterministic whatever the calendar says later.
"""

from datetime import time

from temporalio import activity

from db.calendar import load_overrides
from db.session import SessionMaker
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

    async def calendar(self) -> WorkingCalendar:
        async with self._sessionmaker() as session:
            days_off, working_days = await load_overrides(session)
        return WorkingCalendar(self._timezone, self._periods, days_off, working_days)

    @activity.defn(name="compute_due")
    async def compute_due(self, request: DueRequest) -> DueResult:
        return (await self.calendar()).due(request.start, request.time_limit)

    @activity.defn(name="plan_clocks")
    async def plan_clocks(self, request: ClockRequest) -> ClockResult:
        return plan(await self.calendar(), request)
