"""Generic webhook: the notification as JSON, signed with the channel's secret.

Body: ``{"id", "event", "occurred_at", "product": {"slug", "name", "stage"}, "actor",
"subject", "url"}``. Headers: ``X-ProdOps-Event``, ``X-ProdOps-Signature:
sha256=<hex HMAC-SHA256 of the raw body>`` and ``Idempotency-Key: <notification id>``,
the same on every retry so the receiver can drop a repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from prodops.notifications.channels import Message, Result
from prodops.notifications.channels.http import post


def body(message: Message) -> bytes:
    product = message.product
    data = {
        "id": message.id,
        "event": message.event,
        "occurred_at": message.occurred_at,
        "product": {k: product.get(k) for k in ("slug", "name", "stage")} if product else None,
        "actor": message.actor,
        "subject": message.subject,
        "url": message.url,
    }
    return json.dumps(data, separators=(",", ":"), sort_keys=False).encode()


def signature(raw: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def send(message: Message) -> Result:
    raw = body(message)
    headers = {
        "Content-Type": "application/json",
        "X-ProdOps-Event": message.event,
        "Idempotency-Key": message.id,
    }
    if message.secret:
        headers["X-ProdOps-Signature"] = signature(raw, message.secret)
    return post(message.target, raw, headers)
