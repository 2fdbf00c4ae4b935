"""Inputs and outputs of the deadline activities."""

from datetime import datetime

from pydantic import BaseModel

from schemas.procedure import TimeLimit


class DueRequest(BaseModel):
    start: datetime
    time_limit: TimeLimit


class DueResult(BaseModel):
    due_at: datetime
    explanation_vi: str
    explanation_en: str
