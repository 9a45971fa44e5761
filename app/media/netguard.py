"""Which addresses a media download may reach. Media URLs come from webhooks, i.e. from
whoever can call them, so without this check a crafted URL turns the worker into a proxy
into our network (cloud metadata at 169.254.169.254, Redis, the database)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

from app.media.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public(address: IPAddress) -> bool:
    return not _is_blocked(address)


def _is_blocked(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        # ::ffff:127.0.0.1 and 2002:7f00:1:: reach IPv4 hosts: judge the IPv4 they carry.
        if address.ipv4_mapped is not None:
            return _is_blocked(address.ipv4_mapped)
        if address.sixtofour is not None and _is_blocked(address.sixtofour):
            return True
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        # 100.64/10 (carrier-grade NAT) is neither private nor global in ipaddress.
        or not address.is_global
    )


async def resolve_public(host: str, port: int, *, timeout: float) -> list[IPAddress]:
    """Every address ``host`` resolves to, or FetchError("forbidden_address") when any of
    them is not public: one private answer is enough to refuse, since the connection
    could pick it."""
    addresses = await _resolve(host, port, timeout=timeout)
    for address in addresses:
        if _is_blocked(address):
            raise FetchError("forbidden_address", f"{host} resolves to {address}")
    return addresses


async def _resolve(host: str, port: int, *, timeout: float) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError:
        raise FetchError("timeout", f"resolving {host}") from None
    except OSError as exc:
        raise FetchError("http_error", f"cannot resolve {host}: {exc}", transient=True) from None
    found = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not found:
        raise FetchError("http_error", f"{host} has no address", transient=True)
    return found
