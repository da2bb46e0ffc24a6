"""Retrospectives, action items and process metrics over HTTP."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router

from prodops.accounts.auth import api_actor
from prodops.catalog.models import Product
from prodops.core.pagination import Envelope, paginate
from prodops.improvement import services
from prodops.improvement.models import Retrospective
from prodops.improvement.schemas import ActionIn, ActionPatch, RetrospectivePatch

router = Router(tags=["improvement"])


@router.get(
    "/products/{slug}/retrospectives", response=list[dict[str, Any]], summary="A product's retrospectives"
)
@paginate(Envelope)
def list_retrospectives(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    product = get_object_or_404(Product, slug=slug)
    return [
        services.retrospective_out(r)
        for r in Retrospective.objects.filter(product=product).select_related("product")
    ]


@router.get("/retrospectives/{pk}", response=dict[str, Any], summary="A retrospective with its snapshot")
def get_retrospective(request: HttpRequest, pk: int) -> dict[str, Any]:
    return services.retrospective_out(services.get_retrospective(pk, field="pk"))


@router.patch("/retrospectives/{pk}", response=dict[str, Any], summary="Notes, run-team feedback, hold it")
def patch_retrospective(request: HttpRequest, pk: int, payload: RetrospectivePatch) -> dict[str, Any]:
    retro = services.get_retrospective(pk, field="pk")
    with transaction.atomic():
        services.update_retrospective(actor=api_actor(request), retro=retro, **payload.model_dump())
    return services.retrospective_out(retro)


@router.post("/retrospectives/{pk}/actions", response={201: dict[str, Any]}, summary="Add an action item")
def add_action(request: HttpRequest, pk: int, payload: ActionIn) -> tuple[int, dict[str, Any]]:
    retro = services.get_retrospective(pk, field="pk")
    with transaction.atomic():
        item = services.add_action(actor=api_actor(request), retro=retro, **payload.model_dump())
    return 201, services.action_out(item)


@router.get("/action-items/overdue", response=list[dict[str, Any]], summary="Your overdue action items")
@paginate(Envelope)
def my_overdue(request: HttpRequest) -> list[dict[str, Any]]:
    email = api_actor(request).email
    return [
        {**services.action_out(a), "product": a.retrospective.product.slug}
        for a in services.overdue_for(email)
    ]


@router.patch("/action-items/{pk}", response=dict[str, Any], summary="Set an action item's status")
def patch_action(request: HttpRequest, pk: int, payload: ActionPatch) -> dict[str, Any]:
    item = services.get_action(pk, field="pk")
    with transaction.atomic():
        services.set_action_status(actor=api_actor(request), item=item, **payload.model_dump())
    return services.action_out(item)


@router.get("/metrics/process", response=dict[str, Any], summary="Process metrics (portfolio and teams)")
def process_metrics(request: HttpRequest) -> dict[str, Any]:
    return services.process_metrics()
