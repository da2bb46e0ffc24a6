"""Opsgenie webhook integration: alert ``Create`` and ``Close`` actions.

Opsgenie does not sign its webhooks; its webhook integration lets you add custom
headers, so ProdOps expects a shared token in ``X-Prodops-Token``
(``PRODOPS_OPSGENIE_WEBHOOK_TOKEN``). Opsgenie sends no delivery id either, so a delivery
is identified by alert id, action and ``alert.updatedAt``. An alert is an on-call page;
it maps to a product through ``Product.integrations["opsgenie_team"]`` (any of
``alert.teams``) or ``["opsgenie_integration"]`` (``integrationName`` or ``integrationId``).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from prodops.events.integrations import dig, header, required_id
from prodops.events.records import Record, parse_time

SOURCE = "opsgenie"
SIGNATURE_HEADER = "X-Prodops-Token"


def verify(headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    given = header(headers, SIGNATURE_HEADER)
    return bool(secret) and bool(given) and hmac.compare_digest(given.encode(), secret.encode())


def event_name(headers: Mapping[str, str], payload: dict[str, Any]) -> str:
    return str(payload.get("action") or "")


def delivery_id(headers: Mapping[str, str], payload: dict[str, Any]) -> str:
    alert_id = dig(payload, "alert", "alertId")
    if not alert_id:
        return ""
    return f"{alert_id}:{payload.get('action')}:{dig(payload, 'alert', 'updatedAt')}"


def parse(event: str, payload: dict[str, Any]) -> list[Record]:
    action = str(payload.get("action") or event)
    if action not in {"Create", "Close"}:
        return []
    alert_id = required_id(payload, "alert", "alertId")
    alert = payload["alert"]
    triggered = parse_time(alert.get("createdAt"), field="alert.createdAt")
    resolved = parse_time(alert.get("updatedAt"), field="alert.updatedAt") if action == "Close" else None
    integrations: dict[str, str] = {}
    teams = [str(t) for t in alert.get("teams") or [] if t]
    if teams:
        integrations["opsgenie_team"] = ",".join(teams)
    name = payload.get("integrationName") or payload.get("integrationId")
    if name:
        integrations["opsgenie_integration"] = str(name)
    return [
        Record(
            kind="page",
            source=SOURCE,
            external_id=alert_id,
            integrations=integrations,
            fields={
                "title": str(alert.get("message") or "").strip()[:500],
                "triggered_at": triggered,
                "resolved_at": resolved,
            },
        )
    ]
