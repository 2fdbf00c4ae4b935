"""A complaint's life: each rung of the province's ladder fires at its time unless the
complaint was answered first (a reminder to the owner unit's staff, a warning to its head,
the breach to the supervisors), and the case ends with the answer."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from activities.complaints import ComplaintActivities
from schemas.complaints import ComplaintAlarm, ComplaintTask

# The outbox takes the alarm; a database away delays it, never loses it.
_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))


@workflow.defn(sandboxed=False)
class ComplaintWorkflow:
    def __init__(self) -> None:
        self._answered = False

    @workflow.run
    async def run(self, task: ComplaintTask) -> bool:
        """True when answered in time."""
        for seq, (at, rung) in enumerate(task.rungs, start=1):
            wait = (at - workflow.now()).total_seconds()
            if (wait > 0 and await self._answered_within(wait)) or self._answered:
                return workflow.now() <= task.due_at
            await workflow.execute_activity_method(
                ComplaintActivities.alarm,
                ComplaintAlarm(code=task.code, seq=seq, rung=rung, due_at=task.due_at),
                start_to_close_timeout=timedelta(seconds=60),
                retry_policy=_RETRY,
            )
        await workflow.wait_condition(lambda: self._answered)
        return False

    async def _answered_within(self, seconds: float) -> bool:
        try:
            await workflow.wait_condition(lambda: self._answered, timeout=seconds)
        except TimeoutError:
            return False
        return True

    @workflow.signal
    def answered(self) -> None:
        self._answered = True
