"""Asking another agency for its opinion: one child workflow per agency, each with its deadline.

Consultations of a dossier run in parallel (Decree 118/2025 art. 17); each ends with the
agency's answer or, when its deadline passes unanswered, as expired.
"""

from datetime import datetime

from pydantic import BaseModel
from temporalio import workflow


class ConsultationTask(BaseModel):
    dossier_code: str
    unit: str
    question: str
    due_at: datetime


class ConsultationReply(BaseModel):
    actor: str
    agrees: bool
    opinion: str


class ConsultationOutcome(BaseModel):
    unit: str
    reply: ConsultationReply | None
    answered_at: datetime | None
    expired: bool


# Outside the sandbox, as DossierWorkflow is (see there).
@workflow.defn(sandboxed=False)
class ConsultationWorkflow:
    def __init__(self) -> None:
        self._reply: ConsultationReply | None = None

    @workflow.run
    async def run(self, task: ConsultationTask) -> ConsultationOutcome:
        remaining = task.due_at - workflow.now()
        try:
            await workflow.wait_condition(
                lambda: self._reply is not None, timeout=max(remaining.total_seconds(), 0.001)
            )
        except TimeoutError:
            return ConsultationOutcome(unit=task.unit, reply=None, answered_at=None, expired=True)
        return ConsultationOutcome(
            unit=task.unit, reply=self._reply, answered_at=workflow.now(), expired=False
        )

    @workflow.signal
    def answer(self, reply: ConsultationReply) -> None:
        if self._reply is None:  # the first answer counts; later ones are ignored
            self._reply = reply
