"""``{% load prodops_markdown %}{{ text|markdown }}``: Markdown through the one sanitizing
renderer (``prodops.core.markdown.render``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from prodops.core.markdown import render

register = template.Library()


@register.filter
def markdown(value: Any) -> SafeString:
    return render(value)
