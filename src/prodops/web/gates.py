"""Gate flows on the product page: the checklist, transitions, waivers and attestations.

Each action is a form post that comes back to the product page; with HTMX the page is
swapped in place (``hx-select="#main"``), without JavaScript the browser follows the
redirect. Refusals are shown as messages at the top of the page; posting without the
right to sign is a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from prodops.accounts import policy
from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.lifecycle import services as lifecycle
from prodops.lifecycle.models import Transition
from prodops.readiness import services as readiness
from prodops.readiness.models import Waiver
from prodops.readiness.services import get_standard
from prodops.web import fixes
from prodops.web.errors import is_service_error
from prodops.web.forms import AttestForm, RejectForm, TransitionRequestForm, WaiverForm


def _product(request: HttpRequest, slug: str) -> Product:
    return get_object_or_404(
        policy.restrict(Product.objects.all(), _actor(request)).select_related(
            "build_lead", "run_lead", "build_team", "run_team"
        ),
        slug=slug,
    )


def _actor(request: HttpRequest) -> Actor:
    # An admin's override (signing in a lead's place) carries the reason typed with it.
    reason = request.POST.get("override_reason", "") if request.method == "POST" else ""
    return Actor.for_user(request.user, "web", reason=reason.strip())  # type: ignore[arg-type]


def _who(user: Any) -> Actor:
    return Actor.for_user(user, "web")


def _my_lead_role(user: Any, product: Product) -> str | None:
    roles = policy.lead_roles(_who(user), product)
    return "build_lead" if "build_lead" in roles else next(iter(roles), None)


def _back(product: Product) -> HttpResponse:
    return redirect("web:product", slug=product.slug)


def _form_error(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label or field.replace("_", " ") if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label.capitalize()}: {error}" if label else error)


def _run(
    request: HttpRequest, product: Product, action: Callable[[], Any], success: str | Callable[[Any], str]
) -> HttpResponse:
    # A refusal by the policy propagates: the middleware answers 403.
    try:
        with transaction.atomic():
            result = action()
    except Exception as exc:
        if not is_service_error(exc):
            raise
        messages.error(request, str(getattr(exc, "message", "") or exc))
    else:
        messages.success(request, success(result) if callable(success) else success)
    return _back(product)


# --- the checklist ------------------------------------------------------------------------


def checklist_context(product: Product, user: Any, gate: str | None = None) -> dict[str, Any]:

    gate = gate or lifecycle.checklist_gate(product=product)
    try:
        result = readiness.product_readiness(product=product, gate=gate or None)
    except readiness.ReadinessError as exc:
        return {"checklist_error": exc.message}
    standard = readiness.get_standard(product.standard)
    now = timezone.now()
    waivers = list(
        Waiver.objects.filter(product=product, revoked_at__isnull=True, expires_at__gt=now).order_by(
            "expires_at"
        )
    )
    pending = {w.criterion: w for w in waivers if not w.signed}
    active = {w.criterion: w for w in waivers if w.signed}
    me = _my_lead_role(user, product)
    actor = _who(user)
    reads = {cc.criterion.id: cc.facts for cc in standard.criteria}
    rows: list[dict[str, Any]] = []
    for c in result.criteria:
        rows.append(
            {
                "c": c,
                "fixes": fixes.fix_for(product, reads.get(c.id, ()))
                if c.status in {"fail", "unknown"}
                else [],
                "pending_waiver": pending.get(c.id),
                "waiver": active.get(c.id),
                "can_attest": c.kind == "attest"
                and (
                    me == c.role
                    or policy.role_of(actor) == policy.ADMIN
                    or (
                        c.role not in {"build_lead", "run_lead"}
                        and policy.allows(actor, "attestation.team", product)
                    )
                ),
            }
        )
    # Blocking problems first; otherwise the standard's own order.
    rows.sort(key=lambda r: r["c"].severity != "blocking")
    return {
        "readiness": result,
        "reevaluating": bool(readiness.reevaluating([product.pk])),
        "gates": list(standard.stages[1:]),
        "rows": rows,
        "counts": result.counts(),
        "waiver_form": WaiverForm(),
        "attest_form": AttestForm(),
        "can_sign": policy.allows(actor, "waiver.sign", product),
        "my_lead_role": me,
        "waiver_max_days": _waiver_max_days(),
    }


def _waiver_max_days() -> int:

    return int(settings.PRODOPS_WAIVER_MAX_DAYS)


def checklist(request: HttpRequest, slug: str) -> HttpResponse:
    product = _product(request, slug)
    if not getattr(request, "htmx", False):
        # Opened directly (a bookmark, a shared link): the checklist on its product page.
        gate = request.GET.get("gate")
        return redirect(f"/products/{product.slug}/{f'?gate={gate}' if gate else ''}#checklist")
    context = {"product": product, **checklist_context(product, request.user, request.GET.get("gate"))}
    return render(request, "web/partials/checklist.html", context)


# --- transitions --------------------------------------------------------------------------


def transitions_context(product: Product, user: Any) -> dict[str, Any]:

    history = list(Transition.objects.filter(product=product).prefetch_related("approvals")[:10])
    pending = next((t for t in history if t.status == Transition.Status.PENDING), None)
    approved_roles = {a.role for a in pending.approvals.all()} if pending else set()
    me = _my_lead_role(user, product)
    actor = _who(user)
    is_admin = policy.role_of(actor) == policy.ADMIN
    stages = list(get_standard(product.standard).stages)
    return {
        "transition_history": history,
        "pending": pending,
        "approved_roles": approved_roles,
        "can_approve": pending is not None
        and policy.allows(actor, "transition.approve", product)
        and (me is None or me not in approved_roles or is_admin),
        "request_form": TransitionRequestForm(stages=stages, current=product.stage),
        "reject_form": RejectForm(),
        "can_request": policy.allows(actor, "transition.request", product) and pending is None,
    }


@require_POST
def request_transition(request: HttpRequest, slug: str) -> HttpResponse:

    product = _product(request, slug)
    form = TransitionRequestForm(
        request.POST, stages=list(get_standard(product.standard).stages), current=product.stage
    )
    if not form.is_valid():
        _form_error(request, form)
        return _back(product)
    to_stage = form.cleaned_data["to_stage"]
    return _run(
        request,
        product,
        lambda: lifecycle.request_transition(
            actor=_actor(request), product=product, to_stage=to_stage, reason=form.cleaned_data["reason"]
        ),
        f"Requested the move to {to_stage}. Both leads must approve it.",
    )


def _transition(product: Product, pk: int) -> Any:

    return get_object_or_404(Transition.objects.select_related("product"), pk=pk, product=product)


@require_POST
def approve_transition(request: HttpRequest, slug: str, pk: int) -> HttpResponse:

    product = _product(request, slug)
    transition = _transition(product, pk)
    transition.product = product

    def message(t: Any) -> str:
        if t.status == "executed":
            return f"Approved. Both leads have signed: {product.name} is now in {t.to_stage}."
        if t.status == "refused":
            return f"Approved, but the move was refused: {t.refusal}"
        return "Approved. Waiting for the other lead."

    return _run(
        request,
        product,
        lambda: lifecycle.approve_transition(actor=_actor(request), transition=transition),
        message,
    )


@require_POST
def reject_transition(request: HttpRequest, slug: str, pk: int) -> HttpResponse:

    product = _product(request, slug)
    transition = _transition(product, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return _back(product)
    return _run(
        request,
        product,
        lambda: lifecycle.reject_transition(
            actor=_actor(request), transition=transition, reason=form.cleaned_data["reason"]
        ),
        "Transition rejected.",
    )


@require_POST
def cancel_transition(request: HttpRequest, slug: str, pk: int) -> HttpResponse:

    product = _product(request, slug)
    transition = _transition(product, pk)
    return _run(
        request,
        product,
        lambda: lifecycle.cancel_transition(actor=_actor(request), transition=transition),
        "Transition cancelled.",
    )


# --- waivers and attestations -------------------------------------------------------------


@require_POST
def create_waiver(request: HttpRequest, slug: str) -> HttpResponse:

    product = _product(request, slug)
    form = WaiverForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return _back(product)
    data = form.cleaned_data
    # A waiver runs to the end of the chosen day, in the site's time zone.
    expires = timezone.make_aware(datetime.combine(data["expires"], time(23, 59, 59)))
    return _run(
        request,
        product,
        lambda: readiness.create_waiver(
            actor=_actor(request),
            product=product,
            criterion_id=data["criterion"],
            reason=data["reason"],
            expires_at=expires,
            risk=data["risk"],
        ),
        lambda w: (
            f"Waiver of {w.criterion} signed by both leads."
            if w.signed
            else f"Waiver of {w.criterion} proposed and signed by you; the other lead must sign it."
        ),
    )


@require_POST
def sign_waiver(request: HttpRequest, slug: str, pk: int) -> HttpResponse:

    product = _product(request, slug)
    waiver = get_object_or_404(Waiver, pk=pk, product=product)
    waiver.product = product
    return _run(
        request,
        product,
        lambda: readiness.sign_waiver(actor=_actor(request), waiver=waiver),
        lambda w: (
            f"Waiver of {w.criterion} signed by both leads: it counts until {w.expires_at:%Y-%m-%d}."
            if w.signed
            else "Signed. Waiting for the other lead."
        ),
    )


@require_POST
def attest(request: HttpRequest, slug: str) -> HttpResponse:

    product = _product(request, slug)
    form = AttestForm(request.POST)
    if not form.is_valid():
        _form_error(request, form)
        return _back(product)
    data = form.cleaned_data
    return _run(
        request,
        product,
        lambda: readiness.attest(
            actor=_actor(request),
            product=product,
            criterion_id=data["criterion"],
            evidence_url=data["evidence_url"],
            comment=data["comment"],
        ),
        f"Attested {data['criterion']}.",
    )
