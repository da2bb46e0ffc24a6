"""Filters for the handover pack templates."""

from __future__ import annotations

from typing import Any

from django import template

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
def markdown_safe(value: Any) -> str:
    """Inline Markdown as HTML. Raw HTML in the source is escaped first, so a document
    cannot inject markup or script into the pack."""
    import html

    import markdown
    from django.utils.safestring import mark_safe

    rendered = markdown.markdown(
        html.escape(str(value or ""), quote=False), extensions=["tables", "fenced_code"]
    )
    return mark_safe(rendered)  # the source was escaped above
