"""The alignment survey over the API: read the round's W, answer for yourself, open a round."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from prodops.accounts.auth import api_actor
from prodops.alignment import services
from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.core.errors import NotFound

router = Router(tags=["alignment"])


class ResponseIn(Schema):
    function: Any = Field(default="", description="Your stakeholder function on the product (e.g. sales).")
    north_star: Any = Field(default="", description="What you are trying to achieve for this product.")
    ranking: Any = Field(
        description='The four aims ranked 1 (first) to 4; equal numbers tie: {"delight": 1, "adoption": 2, '
        '"retention": 3, "support": 4}.'
    )
    person: Any = Field(default=None, description="Optional: your own email (anyone else's is refused).")


def _actor(request: HttpRequest) -> Actor:
    return api_actor(request)


def _product(slug: str) -> Product:
    product = Product.objects.filter(slug=slug).first()
    if product is None:
        raise NotFound(f"no product with slug {slug!r}", field="slug")
    return product


@router.get("/products/{slug}/alignment", summary="Kendall's W of the latest (or a given) survey round")
def get_alignment(request: HttpRequest, slug: str, round: int | None = None) -> dict[str, Any]:
    return services.summary(_product(slug), round)


@router.post(
    "/products/{slug}/alignment/responses",
    response={201: dict[str, Any]},
    summary="Answer the alignment survey for yourself",
)
def post_response(request: HttpRequest, slug: str, payload: ResponseIn) -> tuple[int, dict[str, Any]]:
    product = _product(slug)
    with transaction.atomic():
        services.answer(
            actor=_actor(request),
            product=product,
            function=payload.function,
            ranking=payload.ranking,
            north_star=payload.north_star,
            person=payload.person,
        )
    return 201, services.summary(product)


@router.post(
    "/products/{slug}/alignment/rounds",
    response={201: dict[str, Any]},
    summary="Open a new survey round for the product's stage (a lead)",
)
def post_round(request: HttpRequest, slug: str) -> tuple[int, dict[str, Any]]:
    product = _product(slug)
    with transaction.atomic():
        services.open_round(actor=_actor(request), product=product)
    return 201, services.summary(product)
