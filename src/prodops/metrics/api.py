"""DORA metrics over the API: the same service as `prodops dora`."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router

from prodops.catalog.models import Product
from prodops.core.validation import SaneDate
from prodops.metrics import services

router = Router(tags=["metrics"])


def _options(window: str, as_of: date | None) -> tuple[int, Any]:
    # A bad window is a MetricsError (InvalidInput): the API's one handler answers 422.
    return services.parse_window(window), services.window_end(as_of)


@router.get("/products/{slug}/dora", summary="DORA metrics of a product")
def product_dora(
    request: HttpRequest,
    slug: str,
    *,
    as_of: SaneDate | None = None,
    window: str = "90d",
    linkage: Literal["default", "fourkeys"] = "default",
    bands: Literal["2023", "2024"] = "2023",
) -> dict[str, Any]:
    """Deployment frequency, lead time for changes, change failure rate, failed
    deployment recovery time and rework rate, each with its method and band; a metric
    without data is null with a reason (docs/metrics.md)."""
    product = get_object_or_404(Product, slug=slug)
    days, end = _options(window, as_of)
    result = services.dora_for_products(
        product_ids=[product.pk], end=end, window_days=days, linkage=linkage, bands=bands
    )[product.pk]
    return {"product": slug, **result}


@router.get("/dora", summary="DORA metrics of every product and the portfolio")
def portfolio_dora(
    request: HttpRequest,
    as_of: SaneDate | None = None,
    window: str = "90d",
    linkage: Literal["default", "fourkeys"] = "default",
    bands: Literal["2023", "2024"] = "2023",
) -> dict[str, Any]:
    days, end = _options(window, as_of)
    products = dict(Product.objects.values_list("id", "slug"))
    results = services.dora_for_products(
        product_ids=list(products), end=end, window_days=days, linkage=linkage, bands=bands
    )
    by_slug = {products[pid]: result for pid, result in results.items()}
    return {"products": by_slug, "portfolio": services.portfolio(list(by_slug.values()), bands=bands)}
