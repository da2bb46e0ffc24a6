"""Download of the handover pack from the product page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from prodops.catalog.models import Product
from prodops.core.csp import CSP_HEADER, standalone_policy
from prodops.knowledge.handover import CONTENT_TYPES, FORMATS, build_pack, pack_filename, render


@login_required
def handover(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("unknown format")
    product = get_object_or_404(Product, slug=slug)
    pack = build_pack(product=product)
    response = HttpResponse(render(pack, fmt), content_type=CONTENT_TYPES[fmt])
    # HTML opens in the browser; Markdown and PDF download with a dated name.
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{pack_filename(pack, fmt)}"'
    if fmt == "html":
        response[CSP_HEADER] = standalone_policy(response.content)
    return response
