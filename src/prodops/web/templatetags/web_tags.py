from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """``mapping|get:key``: a dict lookup with a variable key."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def status_class(status: Any) -> str:
    value = str(status or "unknown").lower()
    return value if value in {"pass", "fail", "waived", "unknown"} else "neutral"


@register.filter
def stale(document: Any, today: Any) -> bool:
    return bool(document.is_stale(today))


@register.filter
def jsonish(value: Any) -> str:
    """A fact value as people read it: true/false, numbers without noise, lists joined."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return ", ".join(jsonish(v) for v in value) or "[]"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {jsonish(v)}" for k, v in value.items()) or "{}"
    return str(value)


@register.filter
def duration(value: Any) -> str:
    """A timedelta the way standards write it: ``90d``, ``12h``."""
    seconds = int(value.total_seconds()) if hasattr(value, "total_seconds") else int(value or 0)
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds}s"


@register.filter
def humanize(value: Any) -> str:
    """``support_guide`` → ``support guide``; ``build_lead`` → ``build lead``."""
    return str(value or "").replace("_", " ")
