"""The pilot over HTTP: status, plan, observations (one or a CSV body), feedback and the
leads' decision. Errors come from the one hierarchy (``prodops.core.errors``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router

from prodops.accounts.auth import api_actor
from prodops.catalog.models import Product
from prodops.core.errors import InvalidInput
from prodops.core.pagination import Envelope, paginate
from prodops.pilots import services
from prodops.pilots.models import Observation
from prodops.pilots.schemas import (
    DecisionIn,
    FeedbackIn,
    ObservationIn,
    ObservationOut,
    PilotSpec,
    PilotStatusOut,
)

router = Router(tags=["pilots"])


def _product(slug: str) -> Product:
    return get_object_or_404(Product.objects.select_related("build_lead", "run_lead"), slug=slug)


def _observation_out(obs: Observation) -> dict[str, Any]:
    return {
        "id": obs.pk,
        "metric": obs.metric,
        "cohort": obs.cohort,
        "successes": obs.successes,
        "trials": obs.trials,
        "count": obs.count,
        "exposure": obs.exposure,
        "users": obs.users,
        "observed_at": obs.observed_at,
        "recorded_by": obs.recorded_by,
    }


@router.get("/products/{slug}/pilot", response=PilotStatusOut, summary="A product's pilot and its judgement")
def pilot_status(request: HttpRequest, slug: str) -> dict[str, Any]:
    return services.status_of(_product(slug))


@router.put("/products/{slug}/pilot/plan", response=PilotStatusOut, summary="Set the pilot plan")
def put_plan(request: HttpRequest, slug: str, payload: PilotSpec) -> dict[str, Any]:
    product = _product(slug)
    with transaction.atomic():
        services.set_plan(actor=api_actor(request), product=product, plan=payload)
    return services.status_of(product)


@router.get(
    "/products/{slug}/pilot/observations", response=list[ObservationOut], summary="Pilot observations"
)
@paginate(Envelope)
def list_observations(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    return [_observation_out(o) for o in services.observations_of(_product(slug))]


@router.post(
    "/products/{slug}/pilot/observations", response={201: ObservationOut}, summary="Record an observation"
)
def observe(request: HttpRequest, slug: str, payload: ObservationIn) -> tuple[int, dict[str, Any]]:
    product = _product(slug)
    with transaction.atomic():
        obs = services.record_observation(
            actor=api_actor(request), product=product, source="api", **payload.model_dump()
        )
    return 201, _observation_out(obs)


@router.post(
    "/products/{slug}/pilot/observations.csv",
    response={201: dict[str, int]},
    summary="Import observations from a CSV body (all or nothing)",
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def import_csv(request: HttpRequest, slug: str) -> tuple[int, dict[str, int]]:
    product = _product(slug)
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the CSV body must be UTF-8", field="body") from None
    with transaction.atomic():
        n = services.import_observations(
            actor=api_actor(request), product=product, text=text, filename="body"
        )
    return 201, {"imported": n}


@router.post("/products/{slug}/pilot/feedback", response={201: dict[str, Any]}, summary="Give pilot feedback")
def feedback(request: HttpRequest, slug: str, payload: FeedbackIn) -> tuple[int, dict[str, Any]]:
    product = _product(slug)
    with transaction.atomic():
        fb = services.add_feedback(actor=api_actor(request), product=product, **payload.model_dump())
    return 201, {"id": fb.pk, "rating": fb.rating, "text": fb.text, "cohort": fb.cohort, "author": fb.author}


@router.post(
    "/products/{slug}/pilot/decisions", response={201: dict[str, Any]}, summary="Propose a decision (a lead)"
)
def propose(request: HttpRequest, slug: str, payload: DecisionIn) -> tuple[int, dict[str, Any]]:
    product = _product(slug)
    with transaction.atomic():
        decision = services.propose_decision(
            actor=api_actor(request), product=product, **payload.model_dump()
        )
    return 201, {**(services.decision_out(decision) or {}), "snapshot": decision.snapshot}


@router.post(
    "/products/{slug}/pilot/decisions/{pk}/sign",
    response=dict[str, Any],
    summary="Sign a decision (the other lead)",
)
def sign(request: HttpRequest, slug: str, pk: int) -> dict[str, Any]:
    product = _product(slug)
    with transaction.atomic():
        decision = services.sign_decision(
            actor=api_actor(request), decision=services.get_decision(product, pk, field="pk")
        )
    return {**(services.decision_out(decision) or {}), "snapshot": decision.snapshot}
