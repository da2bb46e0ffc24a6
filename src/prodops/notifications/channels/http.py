"""POST a body to a webhook URL, classifying the outcome for retries.

Built on ``http.client`` rather than urllib: header names go out exactly as written
(urllib re-capitalises them to ``X-prodops-signature``) and redirects are not followed
(a webhook that redirects is misconfigured; urllib would turn the POST into a GET).
"""

from __future__ import annotations

import http.client
import ssl
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

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


def post(url: str, body: bytes, headers: dict[str, str]) -> Result:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return Result(ok=False, retry=False, error=f"not an http(s) URL: {url[:100]}")
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=TIMEOUT, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
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
    except TimeoutError as error:
        return Result(ok=False, retry=True, error=f"timed out: {error}")
    except (OSError, http.client.HTTPException) as error:
        return Result(ok=False, retry=True, error=f"connection failed: {error}")
    finally:
        connection.close()
