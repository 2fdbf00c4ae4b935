from collections.abc import Iterator

import pytest

from simulators.process import python_module, serving
from tests.conftest import free_port


@pytest.fixture(scope="session")
def clamd_address() -> Iterator[str]:
    port = free_port()
    with serving(python_module("simulators.clamd", str(port)), port):
        yield f"127.0.0.1:{port}"
