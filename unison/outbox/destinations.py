"""Webhook destinations and SSRF: a URL Unison POSTs to must be http(s) and resolve only to
public addresses, unless UNISON_WEBHOOK_ALLOW_PRIVATE says otherwise. Checked when the
message is decided (messaging calls `check_url`, a 4xx naming the field) and again at send
time on the addresses the name resolves to then (`resolve_public`), and the connection goes
to the address that was checked, so a name re-pointed in between (DNS rebinding) cannot
reach an inside address."""

import ipaddress
import socket
from urllib.parse import urlsplit

from unison.outbox.errors import DestinationRefused

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_private(address: Address) -> bool:
    """Loopback, private (RFC 1918, ULA), link-local, CGNAT, multicast, reserved or
    unspecified: anything that is not the public internet."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def check_url(url: str, field: str = "url") -> tuple[str, str, int]:
    """(scheme, host, port) of an acceptable URL's shape; DestinationRefused otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DestinationRefused(
            f"{url[:80]!r} is not an http(s) URL with a host; accepted: https://host/path",
            field=field,
        )
    if parts.username or parts.password:
        raise DestinationRefused("credentials in the URL are not accepted", field=field)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise DestinationRefused(f"{url[:80]!r} has an invalid port", field=field) from None
    return parts.scheme, parts.hostname, port


def resolve_public(url: str, *, allow_private: bool, field: str = "url") -> str:
    """The address to connect to for `url`: its host resolved now, every answer public
    (or private ones allowed). DestinationRefused names the reason without the address."""
    _scheme, host, port = check_url(url, field)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise DestinationRefused(f"the host {host[:80]!r} does not resolve", field=field) from None
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not allow_private and any(is_private(a) for a in addresses):
        raise DestinationRefused(
            f"the host {host[:80]!r} resolves to a private, loopback or link-local address; "
            "such destinations are refused (UNISON_WEBHOOK_ALLOW_PRIVATE allows them)",
            field=field,
        )
    return str(addresses[0])
