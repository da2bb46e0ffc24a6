"""Customer outcomes over the API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from prodops.catalog.models import Product
from prodops.core.errors import NotFound
from prodops.core.validation import SaneDate
from prodops.outcomes import services

router = Router(tags=["outcomes"])


@router.get("/products/{slug}/outcomes", summary="Customer outcomes as of a day (default: today, UTC)")
def get_outcomes(request: HttpRequest, slug: str, as_of: SaneDate | None = None) -> dict[str, Any]:
    product = Product.objects.filter(slug=slug).first()
    if product is None:
        raise NotFound(f"no product with slug {slug!r}", field="slug")
    return services.outcomes(product, as_of)
