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
