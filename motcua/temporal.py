"""Connecting to Temporal with the converter every motcua component must share."""

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from motcua.settings import Settings


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.resolved_temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
    )
