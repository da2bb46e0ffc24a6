"""Stored XSS in the handover pack (security audit 2026-11-29, H4): a document body's
``[x](javascript:…)`` became a live link in the HTML pack. Markdown now goes through one
sanitizing renderer (prodops.core.markdown.render) wherever it is shown."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from prodops.core.markdown import render
from prodops.knowledge import services

BODY = (
    "[click me](javascript:alert(document.cookie))\n\n![i](javascript:alert(1))\n\n"
    '<img src=x onerror="alert(2)"> <script>alert(3)</script>\n\n'
    "[fine](https://wiki.example.com/runbook) and *emphasis*\n\n"
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) "
    "[v](vbscript:msgbox) [JS](JaVaScRiPt:alert(4)) [enc](jav&#x61;script:alert(5))"
)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))


def _assert_inert(html: str) -> None:
    """No script element, no event handler, no link or image whose URL (as a browser
    decodes it) has a scheme other than http(s)/mailto."""
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag != "script"
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src"):
            url = "".join(attrs.get(name, "").split()).lower()
            match = re.match(r"^([a-z][a-z0-9+.-]*):", url)  # a URL's scheme, as the URL spec reads it
            scheme = match.group(1) if match else ""
            assert scheme in {"", "http", "https", "mailto"}, (tag, attrs)


def test_render_keeps_markdown_and_drops_script():
    html = str(render(BODY))
    _assert_inert(html)
    assert '<a href="https://wiki.example.com/runbook" rel="noopener noreferrer nofollow">fine</a>' in html
    assert "<em>emphasis</em>" in html
    assert "click me" in html  # the text stays, the URL goes


@pytest.fixture
def product(make_product, actor):
    product = make_product("checkout-web", name="Checkout web")
    services.create_document(
        actor=actor, product=product, kind="support_guide", title="Inline guide", body=BODY
    )
    return product


@pytest.mark.django_db
def test_html_pack_over_http_has_no_live_script(product, client, django_user_model):
    user = django_user_model.objects.create_user("dave", "dave@example.com", "pw-123456789")
    client.force_login(user)
    response = client.get("/products/checkout-web/handover.html")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Inline guide" in html
    _assert_inert(html)


@pytest.mark.django_db
def test_html_pack_from_the_cli_has_no_live_script(product, prodops, tmp_path):
    out = tmp_path / "pack.html"
    code, _out, err = prodops("report", "checkout-web", "--format", "html", "-o", str(out))
    assert code == 0, err
    _assert_inert(out.read_text())


@pytest.mark.django_db
def test_markdown_pack_says_it_is_raw(product, prodops):
    code, out, _err = prodops("report", "checkout-web")
    assert code == 0
    assert "Raw Markdown as its author wrote it, not sanitized" in out
