"""The simulated payment gateway (simulators/paygate.py) beside a live server, for the
payment tests over HTTP and in the browser."""

from collections.abc import Iterator
from contextlib import contextmanager

from motcua.settings import Settings
from simulators.process import python_module, serving
from tests.conftest import free_port

SECRET = "gateway-test-secret-0123456789"
GATEWAY_PORT = free_port()


def with_gateway(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "payment_gateway_url": f"http://127.0.0.1:{GATEWAY_PORT}/pay",
            "payment_merchant_code": "MOTCUA01",
            "payment_secret": SECRET,
        }
    )


@contextmanager
def gateway_beside(live_server: str, settings: Settings) -> Iterator[str]:
    """The gateway, calling the live server's IPN address and sending citizens back to it."""
    settings.public_url = live_server
    ipn = f"{live_server}/api/v1/payments/ipn"
    with serving(python_module("simulators.paygate", str(GATEWAY_PORT), SECRET, ipn), GATEWAY_PORT):
        yield live_server
