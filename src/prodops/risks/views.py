"""Known-error search page: what support opens with a symptom in hand."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from prodops.catalog.models import Product
from prodops.risks import services


@login_required
def search(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()
    slug = request.GET.get("product", "").strip()
    product = Product.objects.filter(slug=slug).first() if slug else None
    error = f"No product with slug {slug!r}; searching every product." if slug and product is None else ""
    hits = services.search_known_errors(text=text, product=product, limit=50) if text else []
    context = {
        "q": text,
        "product": product,
        "products": Product.objects.order_by("name").only("slug", "name"),
        "hits": hits,
        "error": error,
    }
    return render(request, "risks/search.html", context, status=200)
