"""Readiness of products, their facts (and custom facts), standards, attestations and
waivers. Writes run in a transaction; bad input is a 422 naming the field, a refusal
to sign or attest a 403: the services raise ``prodops.core.errors`` and the one handler
in ``prodops.api`` answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Body, Router

from prodops.accounts.auth import api_actor
from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, NotFound
from prodops.core.pagination import Envelope, paginate
from prodops.readiness import services
from prodops.readiness.models import Attestation, Standard, Waiver
from prodops.readiness.rules import parse_duration
from prodops.readiness.schemas import (
    AttestationOut,
    AttestIn,
    ChangeOut,
    FactsOut,
    ReadinessOut,
    StandardOut,
    WaiverIn,
    WaiverOut,
)

router = Router(tags=["readiness"])


def _actor(request: HttpRequest) -> Actor:
    return api_actor(request)


def _product(slug: str) -> Product:
    return get_object_or_404(Product.objects.select_related("build_lead", "run_lead"), slug=slug)


def readiness_out(r: services.Readiness) -> dict[str, Any]:
    data = r.to_dict()
    data["blockers"] = [c.id for c in r.blockers]
    return data


def waiver_out(w: Waiver, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    return {
        "id": w.pk,
        "product": w.product.slug,
        "criterion": w.criterion,
        "reason": w.reason,
        "risk": f"RISK-{w.risk_id}" if w.risk_id else "",
        "risk_id": w.risk_id,
        "expires_at": w.expires_at,
        "created_by": w.created_by,
        "build_lead_signed_by": w.build_lead_signed_by,
        "build_lead_signed_at": w.build_lead_signed_at,
        "build_lead_override": w.build_lead_override,
        "run_lead_signed_by": w.run_lead_signed_by,
        "run_lead_signed_at": w.run_lead_signed_at,
        "run_lead_override": w.run_lead_override,
        "revoked_at": w.revoked_at,
        "in_force": w.signed and w.revoked_at is None and w.expires_at > now,
    }


def attestation_out(a: Attestation) -> dict[str, Any]:
    return {
        "id": a.pk,
        "criterion": a.criterion,
        "role": a.role,
        "by": a.actor,
        "override": a.override,
        "evidence_url": a.evidence_url,
        "comment": a.comment,
        "attested_at": a.attested_at,
        "expires_at": a.expires_at,
    }


@router.get("/products/{slug}/readiness", response=ReadinessOut, summary="Readiness for a gate")
def readiness(request: HttpRequest, slug: str, gate: str | None = None) -> dict[str, Any]:
    """Readiness to enter ``gate`` (default: the next stage), evaluated now. Gates are
    cumulative: the criteria of that gate and every earlier gate are listed."""
    return readiness_out(services.product_readiness(product=_product(slug), gate=gate))


@router.get("/products/{slug}/readiness/history", response=list[ChangeOut], summary="Status changes")
@paginate(Envelope)
def history(request: HttpRequest, slug: str) -> Any:
    return services.evaluation_history(product=_product(slug), limit=None)


@router.get("/products/{slug}/facts", response=FactsOut, summary="Every fact of a product")
def facts(request: HttpRequest, slug: str) -> dict[str, Any]:
    return {"facts": services.product_facts(product=_product(slug))}


@router.put("/products/{slug}/facts", response=FactsOut, summary="Replace the product's custom facts")
def put_facts(request: HttpRequest, slug: str, payload: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
    """The body is the complete map of custom facts (``{"coverage": 0.83}``); each becomes
    ``custom.<key>``. Keys not in the body are removed. Returns every fact."""
    return _set_facts(request, slug, payload, replace=True)


@router.patch("/products/{slug}/facts", response=FactsOut, summary="Merge custom facts")
def patch_facts(request: HttpRequest, slug: str, payload: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
    """Set the given custom facts; a null value removes one. Other keys are kept."""
    return _set_facts(request, slug, payload, replace=False)


def _set_facts(request: HttpRequest, slug: str, payload: dict[str, Any], *, replace: bool) -> dict[str, Any]:
    product = _product(slug)
    with transaction.atomic():
        services.set_custom_facts(actor=_actor(request), product=product, facts=payload, replace=replace)
    return {"facts": services.product_facts(product=product)}


@router.get("/standards", response=list[StandardOut], summary="Standards")
@paginate(Envelope)
def standards(request: HttpRequest) -> list[dict[str, Any]]:
    slugs = list(Standard.objects.values_list("slug", flat=True))
    if services.DEFAULT_SLUG not in slugs:
        slugs.insert(0, services.DEFAULT_SLUG)
    return [_standard_out(s) for s in slugs]


@router.get("/standards/{slug}", response=StandardOut, summary="One standard with its criteria")
def standard(request: HttpRequest, slug: str) -> dict[str, Any]:
    if slug != services.DEFAULT_SLUG and not Standard.objects.filter(slug=slug).exists():
        raise NotFound(f"no standard named {slug!r}", field="slug")
    return _standard_out(slug)


def _standard_out(slug: str) -> dict[str, Any]:
    compiled = services.get_standard(slug)
    row = Standard.objects.filter(slug=slug).first()
    name = row.name if row else services.default_standard_document()["metadata"]["name"]
    return {
        "slug": slug,
        "name": name,
        "version": compiled.version,
        "stages": list(compiled.stages),
        "criteria": [services.criterion_dict(c.criterion) for c in compiled.criteria],
    }


@router.get("/products/{slug}/attestations", response=list[AttestationOut], summary="Attestations")
@paginate(Envelope)
def attestations(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    return [attestation_out(a) for a in Attestation.objects.filter(product=_product(slug))]


@router.post("/products/{slug}/attestations", response={201: AttestationOut}, summary="Attest a criterion")
def create_attestation(request: HttpRequest, slug: str, payload: AttestIn) -> tuple[int, dict[str, Any]]:
    product = _product(slug)
    with transaction.atomic():
        obj = services.attest(
            actor=_actor(request),
            product=product,
            criterion_id=payload.criterion,
            evidence_url=payload.evidence_url,
            comment=payload.comment,
        )
    return 201, attestation_out(obj)


@router.get("/products/{slug}/waivers", response=list[WaiverOut], summary="A product's waivers")
@paginate(Envelope)
def product_waivers(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    product = _product(slug)
    return [waiver_out(w) for w in Waiver.objects.filter(product=product).select_related("product")]


@router.get("/waivers", response=list[WaiverOut], summary="Waivers in force, soonest expiry first")
@paginate(Envelope)
def waivers(request: HttpRequest, expiring: str = "3650d") -> list[dict[str, Any]]:
    try:
        within = parse_duration(expiring)
    except ValueError as exc:  # parse_duration is a pure function: it raises ValueError
        raise InvalidInput(str(exc), field="expiring") from None
    return [waiver_out(w) for w in services.expiring_waivers(within=within)]


@router.post("/products/{slug}/waivers", response={201: WaiverOut}, summary="Propose a waiver")
def create_waiver(request: HttpRequest, slug: str, payload: WaiverIn) -> tuple[int, dict[str, Any]]:
    """A lead proposes (and so signs for their role); it counts once both leads signed."""
    product = _product(slug)
    expires = payload.expires_at if payload.expires_at.tzinfo else payload.expires_at.replace(tzinfo=UTC)
    with transaction.atomic():
        waiver = services.create_waiver(
            actor=_actor(request),
            product=product,
            criterion_id=payload.criterion,
            reason=payload.reason,
            expires_at=expires,
            risk=payload.risk,
        )
    return 201, waiver_out(waiver)


def _waiver(waiver_id: int) -> Waiver:
    return get_object_or_404(
        Waiver.objects.select_related("product__build_lead", "product__run_lead"), pk=waiver_id
    )


@router.post("/waivers/{waiver_id}/sign", response=WaiverOut, summary="Sign a waiver (a lead)")
def sign_waiver(request: HttpRequest, waiver_id: int) -> dict[str, Any]:
    waiver = _waiver(waiver_id)
    with transaction.atomic():
        services.sign_waiver(actor=_actor(request), waiver=waiver)
    return waiver_out(waiver)


@router.post("/waivers/{waiver_id}/revoke", response=WaiverOut, summary="Revoke a waiver")
def revoke_waiver(request: HttpRequest, waiver_id: int) -> dict[str, Any]:
    waiver = _waiver(waiver_id)
    with transaction.atomic():
        services.revoke_waiver(actor=_actor(request), waiver=waiver)
    return waiver_out(waiver)
