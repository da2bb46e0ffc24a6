"""Pages: the process metrics (with charts), a product's retrospectives, and one
retrospective with its notes, the run team's feedback and action items."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from prodops.accounts import policy
from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.core.errors import PermissionDenied, ProdOpsError
from prodops.improvement import charts, services
from prodops.improvement.models import Retrospective


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, "web")  # type: ignore[arg-type]


class NotesForm(forms.Form):
    went_well = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=20000)
    to_change = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=20000)
    run_team_rating = forms.TypedChoiceField(
        choices=[("", "—")] + [(i, str(i)) for i in range(1, 6)], coerce=int, empty_value=None, required=False
    )
    run_team_feedback = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=20000
    )
    hold = forms.BooleanField(required=False, label="Mark it held")


class ActionForm(forms.Form):
    title = forms.CharField(max_length=300)
    owner = forms.EmailField(help_text="Email of a person.")
    due = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


def _charts(group: dict[str, Any]) -> dict[str, str]:
    stages = group["time_in_stage"]
    gates = group["first_pass"]
    return {
        "time": mark_safe(
            charts.bars(
                "Time in stage: median (bar) and p90 (tick), days",
                [(s, v["median_days"], v["p90_days"]) for s, v in stages.items()],
                unit=" d",
            )
        ),
        "first_pass": mark_safe(
            charts.bars("First-pass gate rate", [(g, v["rate"], None) for g, v in gates.items()], pct=True)
        ),
        "other": mark_safe(
            charts.bars(
                "Rates",
                [
                    ("waiver rate", group["waivers"]["rate"], None),
                    ("actions on time", group["action_items"]["rate"], None),
                    ("retro coverage", group["retrospective_coverage"]["rate"], None),
                ],
                pct=True,
            )
        ),
    }


def metrics_page(request: HttpRequest) -> HttpResponse:
    result = services.process_metrics()
    groups = [("Portfolio", result["portfolio"])] + [(f"Team {t}", g) for t, g in result["teams"].items()]
    return render(
        request,
        "improvement/metrics.html",
        {
            "result": result,
            "groups": [{"name": n, "g": g, "charts": _charts(g)} for n, g in groups],
            "overdue": services.overdue_for(_actor(request).email),
            "open_retros": Retrospective.objects.filter(status="open").select_related("product")[:50],
        },
    )


def product_retrospectives(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(Product, slug=slug)
    return render(
        request,
        "improvement/product.html",
        {
            "product": product,
            "retros": Retrospective.objects.filter(product=product).prefetch_related("actions"),
        },
    )


def retrospective_page(request: HttpRequest, pk: int, **forms_: Any) -> HttpResponse:
    retro = services.get_retrospective(pk)
    actor = _actor(request)
    initial = {
        f: getattr(retro, f) for f in ("went_well", "to_change", "run_team_rating", "run_team_feedback")
    }
    return render(
        request,
        "improvement/retrospective.html",
        {
            "retro": retro,
            "product": retro.product,
            "actions": retro.actions.select_related("owner"),
            "notes_form": forms_.get("notes_form") or NotesForm(initial=initial),
            "action_form": forms_.get("action_form") or ActionForm(),
            "can_edit": policy.allows(actor, "retrospective.edit", retro.product),
        },
    )


def _failed(request: HttpRequest, pk: int, name: str, form: Any, exc: ProdOpsError | None) -> HttpResponse:
    if exc is not None:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)
    response = retrospective_page(request, pk, **{name: form})
    response.status_code = 403 if exc is not None and exc.status == 403 else 422
    return response


def _form_post(request: HttpRequest, pk: int, name: str, form: Any, *, save: Any, done: str) -> HttpResponse:
    """A retrospective page's form: validate, save through the service in one
    transaction, and show the page again with the errors placed when either fails."""
    if not form.is_valid():
        return _failed(request, pk, name, form, None)
    try:
        with transaction.atomic():
            save(form.cleaned_data)
    except ProdOpsError as exc:
        return _failed(request, pk, name, form, exc)
    messages.success(request, done)
    return redirect("improvement:retrospective", pk=pk)


@require_POST
def save_notes(request: HttpRequest, pk: int) -> HttpResponse:
    retro = services.get_retrospective(pk)
    return _form_post(
        request,
        pk,
        "notes_form",
        NotesForm(request.POST),
        save=lambda data: services.update_retrospective(actor=_actor(request), retro=retro, **data),
        done="Retrospective saved.",
    )


@require_POST
def add_action(request: HttpRequest, pk: int) -> HttpResponse:
    retro = services.get_retrospective(pk)
    return _form_post(
        request,
        pk,
        "action_form",
        ActionForm(request.POST),
        save=lambda data: services.add_action(actor=_actor(request), retro=retro, **data),
        done="Action item added.",
    )


@require_POST
def action_status(request: HttpRequest, pk: int) -> HttpResponse:
    item = services.get_action(pk)
    try:
        with transaction.atomic():
            services.set_action_status(
                actor=_actor(request),
                item=item,
                status=request.POST.get("status", ""),
                reason=request.POST.get("reason", ""),
            )
    except PermissionDenied:
        raise  # the policy's refusal is the 403 page (PolicyDeniedMiddleware), not a message
    except ProdOpsError as exc:
        messages.error(request, exc.message)
    return redirect("improvement:retrospective", pk=item.retrospective_id)
