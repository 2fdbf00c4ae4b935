"""OpenTelemetry: one trace from the HTTP request through the workflow to its activities.

Off unless MOTCUA_OTEL_ENABLED; spans leave over OTLP/HTTP, configured by the standard
OTEL_EXPORTER_OTLP_* variables. The Temporal interceptor carries the trace context in
workflow and activity headers, so the worker's spans join the API's trace.
"""

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from temporalio.client import Interceptor
from temporalio.contrib.opentelemetry import TracingInterceptor

from motcua.settings import Settings

_provider: TracerProvider | None = None


def tracer_provider(settings: Settings) -> TracerProvider | None:
    """The process's provider, made once; None when tracing is off."""
    global _provider
    if not settings.otel_enabled:
        return None
    if _provider is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        _provider = TracerProvider(
            resource=Resource.create({"service.name": settings.otel_service_name})
        )
        _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(_provider)
    return _provider


def temporal_interceptors(provider: TracerProvider | None) -> list[Interceptor]:
    if provider is None:
        return []
    return [TracingInterceptor(provider.get_tracer("motcua.temporal"))]
