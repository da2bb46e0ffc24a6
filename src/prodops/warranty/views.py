"""The warranty page of a product, and the same content as an HTMX partial."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from prodops.catalog.models import Product
from prodops.warranty import services


@require_GET
def product_warranty(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(Product, slug=slug)
    context: dict[str, Any] = {"product": product, **services.page_context(product=product)}
    if request.headers.get("HX-Request"):
        return render(request, "warranty/partials/chart.html", context)
    return render(request, "warranty/product.html", context)
