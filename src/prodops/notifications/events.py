"""The registry of notification events. Event names are part of the public interface
(channels subscribe to them, webhooks carry them), so an event is never renamed.

Apps declare their own events in a module ``<app>/notification_events.py`` (discovered
like ``permissions``), e.g.::

    from prodops.notifications.events import register_event
    register_event("pilot.started", "Pilot started", "{product} entered its pilot")

``text`` is a ``str.format`` template over the notification's subject (plus ``product``
and ``actor``); a missing key shows as ``?`` instead of failing a delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from prodops.core.discovery import app_modules

Mode = Literal["immediate", "digest", "off"]
MODES: tuple[Mode, ...] = ("immediate", "digest", "off")


@dataclass(frozen=True)
class EventType:
    name: str
    title: str
    text: str
    default_mode: Mode = "immediate"
    description: str = ""

    def render(self, values: dict[str, Any]) -> str:
        return self.text.format_map(_Lenient(values))


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


EVENTS: dict[str, EventType] = {}


def register_event(
    name: str, title: str, text: str, *, default_mode: Mode = "immediate", description: str = ""
) -> EventType:
    if default_mode not in MODES:
        raise ValueError(f"default_mode must be one of {MODES}")
    event = EventType(name, title, text, default_mode, description or title)
    EVENTS[name] = event
    return event


_loaded = False


def events() -> dict[str, EventType]:
    """Every registered event (apps' ``notification_events`` modules imported)."""
    global _loaded  # noqa: PLW0603 - a one-time lazy discovery
    if not _loaded:
        for _module in app_modules("notification_events"):
            pass
        _loaded = True
    return dict(sorted(EVENTS.items()))


def get_event(name: str) -> EventType:
    found = events().get(name)
    if found is None:
        raise KeyError(f"unknown notification event {name!r}; register it with register_event()")
    return found


# The events of the issue that introduced notifications (docs/notifications.md).
register_event(
    "transition.requested",
    "Transition requested",
    "{actor} asks to move {product} from {from_stage} to {to_stage}. Your approval is needed.",
)
register_event(
    "transition.approved",
    "Transition approved",
    "{actor} approved moving {product} to {to_stage} ({approved}).",
    default_mode="digest",
)
register_event("transition.executed", "Stage changed", "{product} moved from {from_stage} to {to_stage}.")
register_event(
    "transition.rejected",
    "Transition refused",
    "Moving {product} to {to_stage} was refused: {reason}",
)
register_event(
    "waiver.proposed",
    "Waiver proposed",
    "{actor} proposes to waive {criterion} on {product} until {expires_at}: {reason}. "
    "Your signature is needed.",
)
register_event(
    "waiver.signed",
    "Waiver signed",
    "The waiver of {criterion} on {product} is signed by both leads, until {expires_at}.",
    default_mode="digest",
)
register_event(
    "waiver.expiring",
    "Waiver expiring",
    "The waiver of {criterion} on {product} expires in {days} day(s), on {expires_at}.",
)
register_event(
    "waiver.expired",
    "Waiver expired",
    "The waiver of {criterion} on {product} expired on {expires_at}; the criterion counts again.",
)
register_event(
    "attestation.due",
    "Attestation due",
    "{criterion} on {product} needs a new attestation by the {role} (due {due_at}).",
)
register_event(
    "document.stale",
    "Document stale",
    "{title} of {product} was last reviewed {age_days} days ago.",
    default_mode="digest",
)
register_event(
    "gate.ready", "Gate ready", "{product} meets every criterion of its {gate} gate.", default_mode="digest"
)
register_event(
    "criterion.regressed",
    "Criterion regressed",
    "{criterion} of {product} (gate {gate}, passed) now fails: {message}",
)
register_event(
    "warranty.ending",
    "Warranty ending",
    "The warranty of {product} ends on {ends_on} ({days} day(s)).",
    default_mode="digest",
)
register_event("comment.mention", "You were mentioned", "{actor} mentioned you on {target}: {excerpt}")
register_event(
    "channel.paused",
    "Channel paused",
    "Channel {channel} failed for 24 hours and is paused: {error}",
)
register_event("channel.test", "Test message", "A test message from ProdOps to channel {channel}.")
