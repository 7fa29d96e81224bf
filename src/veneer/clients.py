"""Who is on the other end of a request: the client's address, seen through the proxies listed
in `VENEER_TRUSTED_PROXIES`. Login attempts are limited per address (docs/behaviour.md); behind a
proxy, the socket's peer is the proxy, whose address every client would share."""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

from starlette.requests import Request

Networks = Sequence[IPv4Network | IPv6Network]


def trusted(host: str, networks: Networks) -> bool:
    """Whether `host` is an address inside one of the trusted proxies' networks."""
    try:
        address = ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)


def client_address(request: Request, networks: Networks) -> str:
    """The socket's peer, or, while that is a trusted proxy, the address it says it forwarded for
    (`X-Forwarded-For`, read from the right: each trusted hop vouches for the one before it). The
    first address no trusted proxy vouches for is the client's; anyone can write the rest."""
    host = request.client.host if request.client else ""
    forwarded = [
        hop.strip()
        for line in request.headers.getlist("x-forwarded-for")
        for hop in line.split(",")
        if hop.strip()
    ]
    while forwarded and trusted(host, networks):
        host = forwarded.pop()
    return host
