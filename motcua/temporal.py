"""Connecting to Temporal with the converter every motcua component must share."""

import dataclasses

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from motcua.codec import EncryptionCodec, development_key, parse_keys
from motcua.settings import Settings
from motcua.tracing import temporal_interceptors, tracer_provider


def metrics_runtime(port: int, host: str = "127.0.0.1") -> Runtime:
    """A Temporal runtime whose SDK metrics Prometheus scrapes on host:port."""
    return Runtime(
        telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"{host}:{port}"))
    )


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic payloads, encrypted: what the API and every worker must share."""
    keys = parse_keys(settings.payload_keys) or [development_key(settings.secret_key)]
    return dataclasses.replace(pydantic_data_converter, payload_codec=EncryptionCodec(keys))


async def connect(settings: Settings, runtime: Runtime | None = None) -> Client:
    # Workers built on this client inherit its interceptors, tracing included.
    return await Client.connect(
        settings.resolved_temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        runtime=runtime,
        interceptors=temporal_interceptors(tracer_provider(settings)),
    )
