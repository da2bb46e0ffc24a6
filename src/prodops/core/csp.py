"""The Content-Security-Policy of standalone HTML documents (the handover pack, the
campaign report): pages of their own, also saved to disk or turned into a PDF, so they
keep their one <style> element. It is allowed by its hash, nothing else is: no script
may run in them at all, whatever a document body tries. Every other page gets the site
policy of ``settings.CONTENT_SECURITY_POLICY`` (django-csp)."""

from __future__ import annotations

import base64
import hashlib
import re

CSP_HEADER = "Content-Security-Policy"
_STYLE = re.compile(rb"<style>(.*?)</style>", re.S)


def standalone_policy(html: bytes) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode() + "'"
        for m in _STYLE.finditer(html)
    )
    styles = hashes or "'none'"
    return (
        f"default-src 'none'; style-src {styles}; img-src 'self' https: data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
