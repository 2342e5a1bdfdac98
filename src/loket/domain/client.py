"""Who is on the other end of a request, as far as the network tells: the address (and the network
it stands for) and a coarse browser fingerprint. Pure: the web layer passes the raw values in."""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable

IPV6_PREFIX = 64  # one IPv6 subscriber gets a whole /64: count the network, not the address


def network_key(ip: str) -> str:
    """The address limits count against: the IPv4 address, or the IPv6 /64 it belongs to."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ip.strip()[:45]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)


def fingerprint(user_agent: str | None, accept_language: str | None) -> str | None:
    """16 hex digits of SHA-256 over User-Agent and Accept-Language; None when neither was sent.

    Coarse on purpose: many phones share one. It is evidence when it clusters together with an
    address or a contact, never a verdict on its own (domain/fraud.py).
    """
    if not user_agent and not accept_language:
        return None
    raw = f"{user_agent or ''}\n{accept_language or ''}".encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def client_address(peer: str | None, forwarded_for: str | None, trusted: Iterable[str]) -> str | None:
    """The client's address: the peer, or, when the peer is a trusted proxy, the last address in
    X-Forwarded-For that is not itself a trusted proxy (the leftmost entries are client-supplied)."""
    trusted_set = set(trusted)
    if peer is None or peer not in trusted_set or not forwarded_for:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop not in trusted_set:
            return hop
    return peer
