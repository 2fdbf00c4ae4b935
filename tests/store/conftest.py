from collections.abc import Iterator

import pytest

from tests.conftest import free_port
from tests.simulators.process import python_module, serving


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's stand-alone server: S3 over HTTP, in its own process."""
    port = free_port()
    with serving(python_module("moto.server", "-H", "127.0.0.1", "-p", str(port)), port):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def clamd_address() -> Iterator[str]:
    port = free_port()
    with serving(python_module("tests.simulators.clamd", str(port)), port):
        yield f"127.0.0.1:{port}"
