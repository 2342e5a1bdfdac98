"""Who is on the other end of a request, as far as the network tells: the address (and the network
it stands for) and a coarse browser fingerprint. Pure: the web layer passes the raw values in."""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
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


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: Iterable[str | Network]
) -> str | None:
    """The client's address: the peer, or, when the peer is a trusted proxy, the first address in
    X-Forwarded-For, walking from the right, that is not itself a trusted proxy. Every hop left of
    it was written by the client and is ignored; a hop that is not an address ends the walk at the
    last trusted one. `forwarded_for` is every X-Forwarded-For line joined in order: a client
    sending two lines must not get its own first line read. `trusted` holds addresses or networks
    (CIDR)."""
    proxies = trusted_networks(trusted)
    if peer is None or not forwarded_for or not _is_trusted(peer, proxies):
        return peer
    last = peer
    for hop in reversed(forwarded_for.split(",")):
        hop = hop.strip()
        if not hop:
            continue
        if _parse(hop) is None:
            return last
        if not _is_trusted(hop, proxies):
            return hop
        last = hop
    return last


def trusted_networks(trusted: Iterable[str | Network]) -> tuple[Network, ...]:
    """The trusted proxies as networks (a bare address is a /32 or /128); bad entries are skipped."""
    found: list[Network] = []
    for entry in trusted:
        if not isinstance(entry, str):
            found.append(entry)
            continue
        try:
            found.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue
    return tuple(found)


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(text: str, proxies: tuple[Network, ...]) -> bool:
    address = _parse(text)
    return address is not None and any(address in network for network in proxies)
