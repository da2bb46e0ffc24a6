"""The one way Markdown becomes HTML in ProdOps: the web pages, the HTML handover pack and
the PDF made from it all call ``render``.

Raw HTML in the source is escaped first (a document is text, not markup), then Markdown
is rendered, then the result goes through nh3 (the Rust ``ammonia`` sanitizer), which
keeps a fixed set of tags and attributes and only ``http``, ``https`` and ``mailto``
links: ``[x](javascript:alert(1))`` and ``![i](javascript:...)`` lose their URL, and no
event handler or ``style`` attribute survives. The Markdown pack is not rendered at all:
it carries document bodies as written (it says so).
"""

from __future__ import annotations

import html
from typing import Any

import markdown as _markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "code": {"class"},  # fenced code's language-xyz class
}
URL_SCHEMES = {"http", "https", "mailto"}


def render(text: Any) -> SafeString:
    """Markdown ``text`` as sanitized HTML, safe to put in a page as it is."""
    source = html.escape(str(text or ""), quote=False)
    rendered = _markdown.markdown(source, extensions=["tables", "fenced_code"])
    cleaned = nh3.clean(
        rendered,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # sanitized by nh3 just above
