"""Generic pages over ``web/evidence.py``: the evidence forms and one-click actions.

A form page works without JavaScript (a post, then a redirect back to the product's
section); with HTMX only the form is swapped, so a refused form keeps its input, its
place on the page and focuses the first field in error. Success goes back to the
product page section that shows the new evidence.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from prodops.accounts import policy
from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.core.errors import PermissionDenied
from prodops.knowledge.models import Document, SupportEstimate, SupportSignoff
from prodops.web import charts, evidence, integrations, managed
from prodops.web.errors import add_service_error, is_service_error, mark_errors


def actor_of(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, "web")  # type: ignore[arg-type]


def product_of(request: HttpRequest, slug: str) -> Product:
    return get_object_or_404(
        policy.restrict(Product.objects.all(), actor_of(request)).select_related(
            "build_lead", "run_lead", "build_team", "run_team"
        ),
        slug=slug,
    )


def back_to(request: HttpRequest, url: str) -> HttpResponse:
    """Navigate to ``url``: a redirect, or for HTMX a client-side navigation."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def evidence_form(request: HttpRequest, slug: str, name: str, pk: int | None = None) -> HttpResponse:
    spec = evidence.EVIDENCE.get(name)
    if spec is None or (pk is not None and spec.item is None) or (pk is None and not spec.creates):
        # An edit-only form opened without its item (it used to save item=None: a 500).
        raise Http404("No such form.")
    product = product_of(request, slug)
    item: Any = None
    if pk is not None and spec.item is not None:
        try:
            item = spec.item(product, pk)
        except ObjectDoesNotExist:
            raise Http404("No such item.") from None
    actor = actor_of(request)
    decision = policy.decide(actor, spec.action, product)
    if not decision.allowed:
        raise HttpForbidden(f"You may not change this: {decision.reason}.")
    initial = spec.initial(product, item)
    # A fix link may preset a field, e.g. ``?kind=runbook`` for the missing runbook.
    initial.update({k: v for k, v in request.GET.items() if k in spec.form.base_fields})
    form = spec.form(request.POST or None, initial=initial, **spec.form_kwargs(product))
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                message = spec.save(actor=actor, product=product, data=form.cleaned_data, item=item)
        except PermissionDenied as exc:
            raise HttpForbidden(exc.message) from exc
        except Exception as exc:
            if not is_service_error(exc):
                raise
            add_service_error(form, exc, spec.aliases)
        else:
            messages.success(request, message)
            return back_to(request, f"{reverse('web:product', args=[product.slug])}#{spec.section}")
    mark_errors(form)
    htmx = bool(getattr(request, "htmx", False))
    context = {
        "product": product,
        "spec": spec,
        "item": item,
        "form": form,
        "action_url": request.path,
        "managed": managed.fields_managed(product, spec.manages),
    }
    # HTMX swaps only 2xx answers by default; a plain post that failed is a 400.
    status = 400 if form.errors and not htmx else 200
    template = "web/partials/evidence_form.html" if htmx else "web/evidence_form.html"
    return render(request, template, context, status=status)


@require_POST
def click(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    spec = evidence.CLICKS.get(name)
    if spec is None:
        raise Http404("No such action.")
    product = product_of(request, slug)
    actor = actor_of(request)
    if not policy.allows(actor, spec.action, evidence.policy_object(spec, actor, product)):
        raise HttpForbidden("You may not do this.")
    kwargs: dict[str, Any] = {}
    if spec.takes == "pk":
        try:
            kwargs["pk"] = int(request.POST.get("pk", ""))
        except ValueError:
            raise Http404("No such item.") from None
    elif spec.takes == "key":
        kwargs["key"] = request.POST.get("key", "")
    try:
        with transaction.atomic():
            message = spec.run(actor=actor, product=product, **kwargs)
    except ObjectDoesNotExist:
        raise Http404("No such item.") from None
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message) from exc
    except Exception as exc:
        if not is_service_error(exc):
            raise
        messages.error(request, str(getattr(exc, "message", "") or exc))
    else:
        messages.success(request, message)
    return back_to(request, f"{reverse('web:product', args=[product.slug])}#{spec.section}")


def document(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One document: its inline Markdown body read on the web (sanitized), its review
    state and its actions."""

    product = product_of(request, slug)
    doc = get_object_or_404(Document.objects.select_related("owner"), product=product, pk=pk)
    actor = actor_of(request)
    return render(
        request,
        "web/document.html",
        {
            "product": product,
            "doc": doc,
            "today": timezone.localdate(),
            "can_edit": policy.allows(actor, "evidence.edit", product),
        },
    )


def product_context(request: HttpRequest, product: Product) -> dict[str, Any]:
    """What the product page needs to show the evidence actions (shown or hidden by the
    policy; the services decide)."""

    actor = actor_of(request)
    sign_support = evidence.run_team_member(actor, product)
    return {
        "can": {
            "edit": policy.allows(actor, "product.edit", product),
            "evidence": policy.allows(actor, "evidence.edit", product),
            "sign_support": sign_support,
        },
        "my_signoff": sign_support
        and SupportSignoff.objects.filter(
            product=product, person__email=actor.email, withdrawn_at__isnull=True
        ).exists(),
        "support_estimate": SupportEstimate.objects.filter(product=product).first(),
        "managed": managed.all_managed(product),
        "invitable": _invitable(actor, product),
    }


def trend(request: HttpRequest, slug: str) -> HttpResponse:
    """The readiness-over-time chart, loaded when its section is opened."""
    product = product_of(request, slug)
    chart = charts.step_chart(integrations.readiness_series(product))
    template = "web/partials/trend.html" if getattr(request, "htmx", False) else "web/trend.html"
    return render(request, template, {"trend": chart, "product": product})


def _invitable(actor: Actor, product: Product) -> set[str]:
    """The product's leads who cannot sign in yet, when the actor may invite them."""

    if not (policy.allows(actor, "person.manage") or policy.allows(actor, "person.invite", product)):
        return set()
    leads = {product.build_lead.email, product.run_lead.email}
    ready = get_user_model().objects.filter(email__in=leads, is_active=True).exclude(password__startswith="!")
    return leads - {e.lower() for e in ready.values_list("email", flat=True)}
