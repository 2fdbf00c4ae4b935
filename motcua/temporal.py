"""Connecting to Temporal with the converter every motcua component must share."""

from temporalio.client import Client
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import CompositePayloadConverter, DataConverter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from motcua.codec import EncryptionCodec, development_key, parse_keys
from motcua.settings import Settings
from motcua.tracing import temporal_interceptors, tracer_provider


def metrics_runtime(port: int, host: str = "127.0.0.1") -> Runtime:
    """A Temporal runtime whose SDK metrics Prometheus scrapes on host:port."""
    return Runtime(
        telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"{host}:{port}"))
    )


class SharedPydanticPayloadConverter(CompositePayloadConverter):
    """The SDK's pydantic payload converter, every instance sharing one set of converters.

    The SDK builds a new payload converter for every workflow activation and every
    activity (each `DataConverter` it derives for a serialization context). The stock
    class then wraps a fresh type-adapter cache each time: 6 % of the worker's CPU in a
    deadline burst (py-spy), and every cache cold. The payloads are the same.
    """

    def __init__(self) -> None:
        super().__init__(*_PYDANTIC.converters.values())


_PYDANTIC = PydanticPayloadConverter()
# The same payloads unencrypted: for tests and tools that read histories in clear.
PLAIN_CONVERTER = DataConverter(payload_converter_class=SharedPydanticPayloadConverter)


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic payloads, encrypted: what the API and every worker must share."""
    keys = parse_keys(settings.payload_keys) or [development_key(settings.secret_key)]
    return DataConverter(
        payload_converter_class=SharedPydanticPayloadConverter,
        payload_codec=EncryptionCodec(keys),
    )


async def connect(settings: Settings, runtime: Runtime | None = None) -> Client:
    # Workers built on this client inherit its interceptors, tracing included.
    return await Client.connect(
        settings.resolved_temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        runtime=runtime,
        interceptors=temporal_interceptors(tracer_provider(settings)),
    )
