"""Webhook integrations, one small package per kind behind one contract.

Each ``<kind>/parser.py`` is plain Python (no Django) and defines:

* ``SIGNATURE_HEADER`` — the header that proves the sender (documented per kind);
* ``verify(headers, body, secret) -> bool`` — check that header against the raw body;
* ``event_name(headers, payload) -> str`` — the event type (e.g. ``push``);
* ``delivery_id(headers, payload) -> str`` — what makes a delivery unique, so that a
  replayed delivery is stored once;
* ``parse(event, payload) -> list[Record]`` — the events it carries (none when the
  delivery is not about something ProdOps records).

Parsers are loaded by dotted path on first use, so an unused integration costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from types import ModuleType
from typing import Any, Protocol

from prodops.events.records import Record, RecordError

PARSERS = {
    "github": "prodops.events.integrations.github.parser",
    "gitlab": "prodops.events.integrations.gitlab.parser",
    "pagerduty": "prodops.events.integrations.pagerduty.parser",
    "opsgenie": "prodops.events.integrations.opsgenie.parser",
}


class Parser(Protocol):
    SIGNATURE_HEADER: str

    def verify(self, headers: Mapping[str, str], body: bytes, secret: str) -> bool: ...
    def event_name(self, headers: Mapping[str, str], payload: dict[str, Any]) -> str: ...
    def delivery_id(self, headers: Mapping[str, str], payload: dict[str, Any]) -> str: ...
    def parse(self, event: str, payload: dict[str, Any]) -> list[Record]: ...


_loaded: dict[str, ModuleType] = {}


def get_parser(source: str) -> Parser:
    if source not in PARSERS:
        raise KeyError(source)
    if source not in _loaded:
        _loaded[source] = import_module(PARSERS[source])
    module: Any = _loaded[source]
    return module


def header(headers: Mapping[str, str], name: str) -> str:
    """A header by case-insensitive name ("" when absent)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""


def dig(data: Any, *path: str) -> Any:
    """``data[a][b]...`` or None when any step is missing."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def required_id(data: Any, *path: str) -> str:
    """The identifier at ``data[a][b]...`` as text. A payload without it is refused
    (RecordError naming the dotted path): stored under ``None`` it would merge with the
    next delivery that lacks it too."""
    value = dig(data, *path)
    field = ".".join(path)
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise RecordError("is required (the sender's id of this object)", field=field)
    text = str(value)
    if len(text) > 150:
        raise RecordError("longer than 150 characters", field=field)
    return text
