"""Transports: one small module per channel type behind one contract.

``send(message) -> Result``: deliver one rendered message and say whether it worked
and, if not, whether a retry may help (timeouts, 5xx, 429) and when (``Retry-After``).
Loaded by dotted path on first use, so an unused transport costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Protocol

TRANSPORTS = {
    "email": "prodops.notifications.channels.email",
    "slack": "prodops.notifications.channels.slack",
    "teams": "prodops.notifications.channels.teams",
    "webhook": "prodops.notifications.channels.webhook",
}


@dataclass(frozen=True)
class Message:
    """A notification rendered for one target."""

    id: str
    event: str
    title: str
    text: str
    url: str
    occurred_at: str
    actor: str
    product: dict[str, Any]
    subject: dict[str, Any]
    target: str  # a webhook URL, or an email address
    secret: str = ""
    unsubscribe_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    ok: bool
    retry: bool = False
    status_code: int | None = None
    error: str = ""
    retry_after: float | None = None


class Transport(Protocol):
    def send(self, message: Message) -> Result: ...


def transport(kind: str) -> Transport:
    module: Any = import_module(TRANSPORTS[kind])
    return module
