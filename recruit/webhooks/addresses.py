"""Where webhooks may go: HTTPS to public addresses only (SSRF guard), checked on every send.

A URL is refused if it is not HTTPS, carries a user name or password, or its host is or
resolves to a private, loopback, link-local, multicast, reserved or unspecified address. With
`WEBHOOK_ALLOW_LOOPBACK` (tests and development only) plain HTTP or HTTPS to a loopback
address is allowed too. The worker connects to the address it checked, never resolving again.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_URL_CHARS = 2000


class UnsafeUrlError(ValueError):
    """The URL cannot be a webhook endpoint; the message says why, for the admin."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (a vetted address) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def check_url(url: str, allow_loopback: bool) -> str:
    """The URL, stripped, if it may be an endpoint; else UnsafeUrlError with a clear reason."""
    url = url.strip()
    _vet(_split(url), allow_loopback, "Enter a URL that starts with https://")
    return url


def target(url: str, allow_loopback: bool) -> Target:
    """Check the URL again and pick the vetted address to connect to (one DNS lookup)."""
    parts = _split(url)
    port, addresses = _vet(parts, allow_loopback, "plain http is allowed to loopback only")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname or "", port, path, str(addresses[0]))


def _vet(parts: SplitResult, allow_loopback: bool, no_http: str) -> tuple[int, list[IPAddress]]:
    """The port and every address of the URL's host (one lookup), if each may be reached.

    Plain http is refused before any lookup unless loopback is allowed, and after it unless
    every address is loopback."""
    if parts.scheme == "http" and not allow_loopback:
        raise UnsafeUrlError(no_http)
    port = parts.port or _default_port(parts.scheme)
    addresses = _lookup(parts.hostname or "", port)
    if parts.scheme == "http" and not all(a.is_loopback for a in addresses):
        raise UnsafeUrlError(no_http)
    if not all(allowed(a, allow_loopback) for a in addresses):
        raise UnsafeUrlError(
            "Enter a URL on the public internet: private, loopback and link-local "
            "addresses are not allowed"
        )
    return port, addresses


def _lookup(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (at least one), else UnsafeUrlError."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrlError(f"The host {host!r} could not be found") from exc
    addresses = [_unmapped(_address(info[4][0])) for info in infos]
    if not addresses:
        raise UnsafeUrlError(f"The host {host!r} could not be found")
    return addresses


def allowed(address: IPAddress, allow_loopback: bool) -> bool:
    """A public unicast address, or loopback when that is allowed."""
    if address.is_loopback:
        return allow_loopback
    return address.is_global and not address.is_multicast


def _split(url: str) -> SplitResult:
    if not url or len(url) > MAX_URL_CHARS or not url.isprintable() or " " in url:
        raise UnsafeUrlError("Enter a URL of up to 2000 characters, like https://example.com/hook")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise UnsafeUrlError("Enter a valid URL, like https://example.com/hook") from exc
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise UnsafeUrlError("Enter a URL that starts with https://")
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrlError("Enter a URL without a user name or password in it")
    if parts.fragment:
        raise UnsafeUrlError("Enter a URL without a #fragment")
    return parts


def _address(raw: str | int) -> IPAddress:
    """The address getaddrinfo gave, without an IPv6 zone (`%eth0`)."""
    return ipaddress.ip_address(str(raw).split("%")[0])


def _unmapped(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80
