"""Who the client is, as far as the network can tell: the peer's address, or, behind the
province's own reverse proxies (`MOTCUA_TRUSTED_PROXIES`), the address they forwarded.

A forwarded header from anyone else is ignored: trusting it lets a client name itself
anything, and a rate limit keyed by it limits nothing.
"""

import ipaddress
from functools import cache

from fastapi import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def trusted_networks(text: str) -> tuple[Network, ...]:
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()
    )


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else "unknown"
    networks = trusted_networks(request.app.state.resources.settings.trusted_proxies)
    if not networks or not _trusted(peer, networks):
        return peer
    forwarded = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    # The nearest hop a trusted proxy did not add is the client; what lies before it was
    # written by the client itself.
    for hop in reversed(forwarded):
        if not _trusted(hop, networks):
            return hop
    return forwarded[0] if forwarded else peer
