"""``{{ share|pct }}`` (0.4 → "40 %", None → "n/a") and ``{{ share|heat_class }}`` (a
cohort heat-map cell's shade class)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f} %"


@register.filter
def heat_class(value: float | None) -> str:
    """A retention cell's class, ``heat-0``..``heat-10`` by tenths (prodops.css shades
    them; the Content-Security-Policy refuses style attributes)."""
    if value is None:
        return "heat-none"
    return f"heat-{round(10 * max(0.0, min(1.0, value)))}"
