"""Warranty estimates: a product's, from its own defects, or any failure data posted."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router

from prodops.catalog.models import Product
from prodops.core.errors import InvalidInput
from prodops.warranty import services, srgm
from prodops.warranty.schemas import EstimateIn, EstimateOut

router = Router(tags=["warranty"])


@router.get(
    "/products/{slug}/warranty",
    response={200: EstimateOut},
    summary="The product's warranty: fitted models, forecast, proposed end, exit criterion",
)
def product_warranty(request: HttpRequest, slug: str) -> Any:
    product = get_object_or_404(Product, slug=slug)
    try:
        return 200, services.assess_product(product=product).as_dict()
    except services.WarrantyError as exc:
        # The product named in the path cannot be assessed (no go-live date, a bad
        # policy): the shared located 422, naming the path parameter.
        raise InvalidInput(str(exc), field="slug", where="path") from None


@router.post(
    "/warranty/estimate",
    response={200: EstimateOut},
    summary="Fit reliability-growth models to failure data and forecast",
)
def estimate(request: HttpRequest, payload: EstimateIn) -> Any:
    try:
        if payload.times is not None:
            data: srgm.Data = srgm.FailureTimes.of(payload.times, payload.observed_until)
        else:
            data = srgm.GroupedCounts.of(payload.period_ends or [], payload.counts or [])
    except ValueError as exc:  # srgm is pure computation: it raises ValueError
        raise InvalidInput(str(exc)) from None
    if data.n == 0 and isinstance(data, srgm.FailureTimes):
        raise InvalidInput("no failure times", field="times")
    models = ["go", "mo", "dss", "jm"] if payload.model == "all" else [payload.model]
    result = srgm.estimate(data, models=models, threshold=payload.threshold, horizon=payload.horizon)
    return 200, result.as_dict()
