"""PagerDuty v3 webhooks: ``incident.*`` events.

Signature: ``X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the raw body>`` with the
subscription's signing secret (``PRODOPS_PAGERDUTY_WEBHOOK_SECRET``); the header may
hold several comma-separated signatures while a secret is rotated, and one match is
enough. Delivery id: ``event.id`` (unique per event). Every PagerDuty incident is also
an on-call page. The service id (``event.data.service.id``) maps it to a product through
``Product.integrations["pagerduty_service"]``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from prodops.events.integrations import dig, header, required_id
from prodops.events.records import Record, parse_time

SOURCE = "pagerduty"
SIGNATURE_HEADER = "X-PagerDuty-Signature"
# PagerDuty priorities P1..P5 map to sev1..sev5; without a priority, urgency decides.
_URGENCY = {"high": 2, "low": 4}


def verify(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    given = header(headers, SIGNATURE_HEADER)
    if not secret or not given:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    signatures = [part.strip() for part in given.split(",")]
    return any(sig.startswith("v1=") and hmac.compare_digest(sig[3:], expected) for sig in signatures)


def event_name(headers: Mapping[str, str], payload: dict[str, Any]) -> str:
    return str(dig(payload, "event", "event_type") or "")


def delivery_id(headers: Mapping[str, str], payload: dict[str, Any]) -> str:
    return str(dig(payload, "event", "id") or "")


def _severity(data: dict[str, Any]) -> int:
    summary = str(dig(data, "priority", "summary") or "").strip().upper()
    if len(summary) == 2 and summary[0] == "P" and summary[1] in "12345":
        return int(summary[1])
    return _URGENCY.get(str(data.get("urgency") or ""), 3)


def parse(event: str, payload: dict[str, Any]) -> list[Record]:
    event_type = str(dig(payload, "event", "event_type") or event)
    data = dig(payload, "event", "data") or {}
    if not event_type.startswith("incident.") or not isinstance(data, dict) or data.get("type") != "incident":
        return []
    incident_id = required_id(payload, "event", "data", "id")
    service = str(dig(data, "service", "id") or "")
    opened = parse_time(data.get("created_at"), field="event.data.created_at")
    resolved = None
    if data.get("status") == "resolved":
        resolved = parse_time(dig(payload, "event", "occurred_at"), field="event.occurred_at")
    title = str(data.get("title") or "")[:500]
    integrations = {"pagerduty_service": service} if service else {}
    return [
        Record(
            kind="incident",
            source=SOURCE,
            external_id=incident_id,
            integrations=integrations,
            fields={
                "title": title,
                "severity": _severity(data),
                "opened_at": opened,
                "resolved_at": resolved,
                "root_cause_sha": "",
            },
        ),
        Record(
            kind="page",
            source=SOURCE,
            external_id=incident_id,
            integrations=integrations,
            fields={"title": title, "triggered_at": opened, "resolved_at": resolved},
        ),
    ]
