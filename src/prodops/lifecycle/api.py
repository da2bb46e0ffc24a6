"""Stage transitions: request, approve (both named leads), reject, cancel. A transition
executes when both leads have approved and the gate is open at that moment."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router

from prodops.accounts.auth import api_actor
from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.core.pagination import Envelope, paginate
from prodops.lifecycle import services
from prodops.lifecycle.models import Transition
from prodops.lifecycle.schemas import RejectIn, TransitionIn, TransitionOut

router = Router(tags=["lifecycle"])


def _actor(request: HttpRequest) -> Actor:
    return api_actor(request)


def transition_out(t: Transition) -> dict[str, Any]:
    return {
        "id": t.pk,
        "product": t.product.slug,
        "from_stage": t.from_stage,
        "to_stage": t.to_stage,
        "kind": t.kind,
        "reason": t.reason,
        "status": t.status,
        "requested_by": t.requested_by,
        "requested_at": t.requested_at,
        "decided_at": t.decided_at,
        "decided_by": t.decided_by,
        "refusal": t.refusal,
        "override": t.override,
        "snapshot": t.snapshot,
        "approvals": [
            {"role": a.role, "by": a.actor, "override": a.override, "at": a.at} for a in t.approvals.all()
        ],
    }


def _call(fn: Any, **kwargs: Any) -> Any:
    """Run a service in a transaction; its ``prodops.core.errors`` go to the one handler
    in ``prodops.api`` (422 naming the field, 403, 409)."""
    with transaction.atomic():
        return fn(**kwargs)


def _transition(transition_id: int) -> Transition:
    return get_object_or_404(
        Transition.objects.select_related("product__build_lead", "product__run_lead"), pk=transition_id
    )


@router.get("/products/{slug}/transitions", response=list[TransitionOut], summary="A product's transitions")
@paginate(Envelope)
def list_transitions(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    product = get_object_or_404(Product, slug=slug)
    return [transition_out(t) for t in services.transitions_of(product=product)]


@router.post("/products/{slug}/transitions", response={201: TransitionOut}, summary="Request a transition")
def request_transition(request: HttpRequest, slug: str, payload: TransitionIn) -> tuple[int, dict[str, Any]]:
    """Ask to move the product to ``to_stage`` (an earlier stage is a handback and needs a
    reason). Both leads then approve."""
    product = get_object_or_404(Product.objects.select_related("build_lead", "run_lead"), slug=slug)
    t = _call(
        services.request_transition,
        actor=_actor(request),
        product=product,
        to_stage=payload.to_stage,
        reason=payload.reason,
    )
    return 201, transition_out(t)


@router.get("/transitions/{transition_id}", response=TransitionOut, summary="One transition")
def get_transition(request: HttpRequest, transition_id: int) -> dict[str, Any]:
    return transition_out(_transition(transition_id))


@router.post("/transitions/{transition_id}/approve", response=TransitionOut, summary="Approve (a lead)")
def approve(request: HttpRequest, transition_id: int) -> dict[str, Any]:
    """Sign as the build lead or run lead (by your email); an admin signs as an override.
    The response shows ``executed`` or ``refused`` (with why) once both have signed."""
    t = _transition(transition_id)
    _call(services.approve_transition, actor=_actor(request), transition=t)
    return transition_out(t)


@router.post("/transitions/{transition_id}/reject", response=TransitionOut, summary="Reject (a lead)")
def reject(request: HttpRequest, transition_id: int, payload: RejectIn) -> dict[str, Any]:
    t = _transition(transition_id)
    _call(services.reject_transition, actor=_actor(request), transition=t, reason=payload.reason)
    return transition_out(t)


@router.post("/transitions/{transition_id}/cancel", response=TransitionOut, summary="Cancel a request")
def cancel(request: HttpRequest, transition_id: int) -> dict[str, Any]:
    t = _transition(transition_id)
    _call(services.cancel_transition, actor=_actor(request), transition=t)
    return transition_out(t)
