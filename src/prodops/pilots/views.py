"""The pilot page: plan (form), judgement, observations, feedback and the decision.

Every POST goes through the same services as the API and the CLI; a refused call comes
back as form errors (the one error hierarchy, mapped here once)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from prodops.accounts import policy
from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.core.errors import PermissionDenied, ProdOpsError
from prodops.pilots import services
from prodops.pilots.forms import DecisionForm, FeedbackForm, ObservationForm, PlanForm


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, "web")  # type: ignore[arg-type]


def _product(slug: str) -> Product:
    return get_object_or_404(Product.objects.select_related("build_lead", "run_lead"), slug=slug)


def _error(form: Any, exc: ProdOpsError) -> None:
    field = exc.field.split(".")[0] if exc.field else None
    target = field if field in form.fields else None
    form.add_error(target, f"{exc.field}: {exc.message}" if exc.field and target is None else exc.message)


def pilot_page(request: HttpRequest, slug: str, **forms_: Any) -> HttpResponse:
    product = _product(slug)
    actor = _actor(request)
    plan = services.plan_of(product)
    status = services.status_of(product) if plan is not None else None
    decision = services.latest_decision(product)
    context = {
        "product": product,
        "plan": plan,
        "status": status,
        "decision": decision,
        "observations": services.observations_of(product, limit=20) if plan else [],
        "plan_form": forms_.get("plan_form") or PlanForm(initial=PlanForm.initial_for(plan)),
        "observation_form": forms_.get("observation_form") or ObservationForm(),
        "feedback_form": forms_.get("feedback_form") or FeedbackForm(),
        "decision_form": forms_.get("decision_form") or DecisionForm(),
        "can": {
            "plan": policy.allows(actor, "pilot.plan", product),
            "observe": policy.allows(actor, "pilot.observe", product),
            "feedback": policy.allows(actor, "pilot.feedback", product),
            "decide": policy.allows(actor, "pilot.decide", product),
        },
    }
    return render(request, "pilots/pilot.html", context)


def _post(
    request: HttpRequest, slug: str, form_name: str, form: Any, *, call: Any, done: str
) -> HttpResponse:
    if form.is_valid():
        try:
            with transaction.atomic():
                call(form)
        except PermissionDenied:
            raise  # the policy's refusal is the 403 page (PolicyDeniedMiddleware)
        except ProdOpsError as exc:
            _error(form, exc)
        else:
            messages.success(request, done)
            return redirect("pilots:pilot", slug=slug)
    response = pilot_page(request, slug, **{form_name: form})
    response.status_code = 422
    return response


@require_POST
def save_plan(request: HttpRequest, slug: str) -> HttpResponse:
    product = _product(slug)
    form = PlanForm(request.POST)
    return _post(
        request,
        slug,
        "plan_form",
        form,
        call=lambda f: services.set_plan(
            actor=_actor(request), product=product, plan=services.parse_plan(f.plan())
        ),
        done="Pilot plan saved.",
    )


@require_POST
def observe(request: HttpRequest, slug: str) -> HttpResponse:
    product = _product(slug)
    form = ObservationForm(request.POST)
    return _post(
        request,
        slug,
        "observation_form",
        form,
        call=lambda f: services.record_observation(
            actor=_actor(request), product=product, source="web", **f.cleaned_data
        ),
        done="Observation recorded.",
    )


@require_POST
def feedback(request: HttpRequest, slug: str) -> HttpResponse:
    product = _product(slug)
    form = FeedbackForm(request.POST)
    return _post(
        request,
        slug,
        "feedback_form",
        form,
        call=lambda f: services.add_feedback(actor=_actor(request), product=product, **f.cleaned_data),
        done="Thank you for the feedback.",
    )


@require_POST
def propose(request: HttpRequest, slug: str) -> HttpResponse:
    product = _product(slug)
    form = DecisionForm(request.POST)
    return _post(
        request,
        slug,
        "decision_form",
        form,
        call=lambda f: services.propose_decision(actor=_actor(request), product=product, **f.cleaned_data),
        done="Decision proposed; the other lead signs next.",
    )


@require_POST
def sign(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    product = _product(slug)
    try:
        with transaction.atomic():
            services.sign_decision(actor=_actor(request), decision=services.get_decision(product, pk))
    except PermissionDenied:
        raise  # the policy's refusal is the 403 page (PolicyDeniedMiddleware)
    except ProdOpsError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Decision signed.")
    return redirect("pilots:pilot", slug=slug)
