"""The risk register and known errors of a product, and known-error search."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router

from prodops.accounts.auth import api_actor
from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.core.pagination import MAX_LIMIT, Envelope, paginate
from prodops.risks import services
from prodops.risks.models import KnownError, Risk
from prodops.risks.schemas import (
    KnownErrorHit,
    KnownErrorIn,
    KnownErrorOut,
    KnownErrorPatch,
    RiskIn,
    RiskOut,
    RiskPatch,
)

router = Router(tags=["risks"])


def _actor(request: HttpRequest) -> Actor:
    return api_actor(request)


def risk_out(risk: Risk) -> dict[str, Any]:
    return {
        "id": risk.id,
        "ref": risk.ref,
        "product": risk.product.slug,
        "title": risk.title,
        "description": risk.description,
        "likelihood": risk.likelihood,
        "impact": risk.impact,
        "score": risk.score,
        "owner": risk.owner.email if risk.owner else None,
        "mitigation": risk.mitigation,
        "status": risk.status,
        "next_review": risk.next_review,
        "waivers": [w.criterion for w in services.waivers_relying_on(risk)],
    }


def known_error_out(ke: KnownError) -> dict[str, Any]:
    return {
        "id": ke.id,
        "ref": ke.ref,
        "product": ke.product.slug,
        "title": ke.title,
        "symptom": ke.symptom,
        "cause": ke.cause,
        "workaround": ke.workaround,
        "defect_id": ke.defect_id,
        "status": ke.status,
    }


@router.get("/products/{slug}/risks", response=list[RiskOut], summary="A product's risk register")
@paginate(Envelope)
def list_risks(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    product = get_object_or_404(Product, slug=slug)
    return [risk_out(r) for r in Risk.objects.filter(product=product).select_related("product", "owner")]


@router.post("/products/{slug}/risks", response={201: RiskOut}, summary="Register a risk")
def create_risk(request: HttpRequest, slug: str, payload: RiskIn) -> tuple[int, dict[str, Any]]:
    product = get_object_or_404(Product, slug=slug)
    data = payload.dict()
    data["owner_email"] = data.pop("owner")
    with transaction.atomic():
        risk = services.create_risk(actor=_actor(request), product=product, **data)
    return 201, risk_out(risk)


@router.get("/risks/{risk_id}", response=RiskOut, summary="One risk, by its stable id")
def get_risk(request: HttpRequest, risk_id: int) -> dict[str, Any]:
    return risk_out(get_object_or_404(Risk.objects.select_related("product", "owner"), id=risk_id))


@router.patch("/risks/{risk_id}", response=RiskOut, summary="Change a risk")
def update_risk(request: HttpRequest, risk_id: int, payload: RiskPatch) -> dict[str, Any]:
    risk = get_object_or_404(Risk.objects.select_related("product", "owner"), id=risk_id)
    changes = payload.dict(exclude_unset=True)
    if "owner" in changes:
        changes["owner_email"] = changes.pop("owner")
    with transaction.atomic():
        services.update_risk(actor=_actor(request), risk=risk, **changes)
    risk.refresh_from_db()
    return risk_out(risk)


@router.delete("/risks/{risk_id}", response={204: None}, summary="Delete a risk")
def delete_risk(request: HttpRequest, risk_id: int) -> tuple[int, None]:
    risk = get_object_or_404(Risk.objects.select_related("product"), id=risk_id)
    with transaction.atomic():
        services.delete_risk(actor=_actor(request), risk=risk)
    return 204, None


@router.get("/products/{slug}/known-errors", response=list[KnownErrorOut], summary="A product's known errors")
@paginate(Envelope)
def list_known_errors(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    product = get_object_or_404(Product, slug=slug)
    return [known_error_out(k) for k in KnownError.objects.filter(product=product).select_related("product")]


@router.post("/products/{slug}/known-errors", response={201: KnownErrorOut}, summary="Record a known error")
def create_known_error(request: HttpRequest, slug: str, payload: KnownErrorIn) -> tuple[int, dict[str, Any]]:
    product = get_object_or_404(Product, slug=slug)
    with transaction.atomic():
        ke = services.create_known_error(actor=_actor(request), product=product, **payload.dict())
    return 201, known_error_out(ke)


@router.get(
    "/known-errors/search",
    response=list[KnownErrorHit],
    summary="Known errors ranked by relevance to a symptom",
)
@paginate(Envelope)
def search_known_errors(request: HttpRequest, q: str, product: str | None = None) -> list[dict[str, Any]]:
    scope = get_object_or_404(Product, slug=product) if product else None
    # The best-ranked hits, at most one page's maximum; the envelope pages through them.
    hits = services.search_known_errors(text=q, product=scope, limit=MAX_LIMIT)
    return [{**known_error_out(ke), "relevance": round(rank, 6)} for ke, rank in hits]


@router.patch("/known-errors/{ke_id}", response=KnownErrorOut, summary="Change a known error")
def update_known_error(request: HttpRequest, ke_id: int, payload: KnownErrorPatch) -> dict[str, Any]:
    ke = get_object_or_404(KnownError.objects.select_related("product"), id=ke_id)
    with transaction.atomic():
        services.update_known_error(actor=_actor(request), known_error=ke, **payload.dict(exclude_unset=True))
    ke.refresh_from_db()
    return known_error_out(ke)


@router.delete("/known-errors/{ke_id}", response={204: None}, summary="Delete a known error")
def delete_known_error(request: HttpRequest, ke_id: int) -> tuple[int, None]:
    ke = get_object_or_404(KnownError.objects.select_related("product"), id=ke_id)
    with transaction.atomic():
        services.delete_known_error(actor=_actor(request), known_error=ke)
    return 204, None
