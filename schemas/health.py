"""Whether the API's two dependencies answer (readiness)."""

from pydantic import BaseModel


class ComponentHealth(BaseModel):
    ok: bool
    latency_ms: float | None = None
    error: str | None = None


class Health(BaseModel):
    status: str
    database: ComponentHealth
    temporal: ComponentHealth
