"""POST a body to a webhook URL, classifying the outcome for retries.

Built on ``http.client`` rather than urllib: header names go out exactly as written
(urllib re-capitalises them to ``X-prodops-signature``) and redirects are not followed
(a webhook that redirects is misconfigured; urllib would turn the POST into a GET).

Server-side request forgery: whoever edits a channel chooses where the worker connects.
Unless ``PRODOPS_WEBHOOK_ALLOW_PRIVATE`` is set, the host is resolved once, *every*
address it resolves to must be public (not loopback, private, link-local, multicast,
reserved or unspecified), and the connection goes to one of those checked addresses,
never to a second resolution that a rebinding DNS server could answer differently. A
refused address is a permanent failure (no retry): the channel shows the error.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Sequence
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from prodops.notifications.channels import Result

TIMEOUT = 10.0  # seconds
USER_AGENT = "ProdOps-Notifications/1"


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


class Refused(Exception):
    """The URL's host is, or resolves to, an address webhooks may not reach."""


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def not_public(ip: IPAddress) -> str:
    """Why a webhook may not connect to ``ip`` ("" when it may): the kind of address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return not_public(embedded)
    # most specific first: Python counts link-local, reserved and 0.0.0.0 as private too
    for kind in ("loopback", "link_local", "multicast", "reserved", "unspecified", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return "" if ip.is_global else "non-public"


def allow_private() -> bool:
    return bool(getattr(settings, "PRODOPS_WEBHOOK_ALLOW_PRIVATE", False))


def _literal(host: str) -> IPAddress | None:
    """The address ``host`` is written as, without any DNS lookup; None for a name.
    Besides the usual forms, the IPv4 shorthands the resolver also reads as addresses
    (``127.1``, ``2130706433``, ``0x7f.0.0.1``, ``0177.0.0.1``) count: they are how a
    loopback address is written to slip past a check of the dotted-quad form."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    # inet_aton reads the shorthands; it also stops at whitespace, so the host must be
    # made of number characters only (a real name has a letter beyond a 0x prefix).
    if host and all(c in "0123456789abcdefABCDEFxX." for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _is_localhost(host: str) -> bool:
    """``localhost`` and any name under it (RFC 6761: they resolve to loopback)."""
    name = host.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


def literal_refusal(host: str) -> str:
    """At save time, why a URL's host is refused ("" if it is not): an IP address
    that is not public, or ``localhost``. No name is resolved here (a name's addresses
    may change after the save); every name is checked when it is resolved, at delivery."""
    if allow_private():
        return ""
    if _is_localhost(host):
        return f"{host} is a loopback host"
    ip = _literal(host)
    kind = not_public(ip) if ip is not None else ""
    return f"{ip} is a {kind} address" if kind else ""


def resolve(host: str, port: int) -> list[tuple[int, Any]]:
    """Every (family, socket address) ``host`` resolves to, each one checked: Refused
    names the first that is not public (unless private addresses are allowed)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[tuple[int, Any]] = []
    for family, _type, _proto, _name, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        kind = "" if allow_private() else not_public(ip)
        if kind:
            raise Refused(
                f"refused: {host} resolves to {ip}, a {kind} address "
                "(set PRODOPS_WEBHOOK_ALLOW_PRIVATE=1 to allow webhooks to private networks)"
            )
        addresses.append((family, sockaddr))
    if not addresses:
        raise OSError(f"{host} resolves to no address")
    return addresses


def _pin(connection: http.client.HTTPConnection, addresses: Sequence[tuple[int, Any]]) -> None:
    """Make ``connection`` connect to the checked addresses (in turn) instead of
    resolving its host again; the Host header, TLS SNI and certificate check still use
    the host name."""

    def connect(_address: Any, timeout: Any = TIMEOUT, source_address: Any = None) -> socket.socket:
        error: OSError | None = None
        for family, sockaddr in addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        assert error is not None
        raise error

    connection._create_connection = connect  # type: ignore[attr-defined]


def post(url: str, body: bytes, headers: dict[str, str]) -> Result:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return Result(ok=False, retry=False, error=f"not an http(s) URL: {url[:100]}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return Result(ok=False, retry=False, error=f"not a valid port in {url[:100]}")
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname, port, timeout=TIMEOUT, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=TIMEOUT)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        _pin(connection, resolve(parts.hostname, port))
        connection.request("POST", path, body=body, headers={"User-Agent": USER_AGENT, **headers})
        response = connection.getresponse()
        detail = response.read(500).decode("utf-8", "replace").strip()
        code = response.status
        if 200 <= code < 300:
            return Result(ok=True, status_code=code)
        retryable = code >= 500 or code == 429
        return Result(
            ok=False,
            retry=retryable,
            status_code=code,
            error=f"HTTP {code}" + (f": {detail}" if detail else ""),
            retry_after=retry_after(response.getheader("Retry-After")) if retryable else None,
        )
    except Refused as error:
        return Result(ok=False, retry=False, error=str(error))
    except TimeoutError as error:
        return Result(ok=False, retry=True, error=f"timed out: {error}")
    except (OSError, http.client.HTTPException) as error:
        return Result(ok=False, retry=True, error=f"connection failed: {error}")
    finally:
        connection.close()
