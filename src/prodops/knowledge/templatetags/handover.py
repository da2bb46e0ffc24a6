"""Filters for the handover pack templates."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from prodops.core.markdown import render

register = template.Library()


@register.filter
def cell(value: Any) -> str:
    """A value safe inside one Markdown table cell: one line, pipes escaped."""
    text = "" if value is None else str(value)
    return " ".join(text.split()).replace("|", "\\|") or "—"


@register.filter
def percent(value: Any) -> str:
    if value is None or value == "":
        return "unknown"
    return f"{float(value) * 100:.0f}%"


@register.filter
def person(value: Any) -> str:
    if not value:
        return "—"
    if value.get("name") and value["name"] != value["email"]:
        return f"{value['name']} <{value['email']}>"
    return str(value["email"])


@register.filter
def markdown_safe(value: Any) -> SafeString:
    """A document body in the HTML (and PDF) pack: the one sanitizing Markdown renderer."""
    return render(value)
