"""Answering the alignment survey on the web: for yourself only (the service decides)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as Forbidden
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from prodops.alignment import services
from prodops.alignment.forms import AnswerForm
from prodops.catalog.models import Product, Stakeholder
from prodops.core.actors import Actor
from prodops.core.errors import PermissionDenied, ProdOpsError


def answer(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(Product, slug=slug)
    actor = Actor.for_user(request.user, "web")  # type: ignore[arg-type]
    functions = sorted(
        set(
            Stakeholder.objects.filter(product=product, person__email__iexact=actor.email).values_list(
                "function", flat=True
            )
        )
    )
    current = services.round_result(product)
    mine = next((r for r in current.responses if r.person.email.lower() == actor.email), None)
    initial = {}
    if mine is not None:
        initial = {
            "function": mine.function,
            "north_star": mine.north_star,
            **{k: str(v) for k, v in mine.ranking.items()},
        }
    form = AnswerForm(request.POST or None, functions=functions, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.answer(
                    actor=actor,
                    product=product,
                    function=form.cleaned_data["function"],
                    north_star=form.cleaned_data["north_star"],
                    ranking=form.ranking(),
                    # A forged "person" field meets the same rule as the API: yourself only.
                    person=request.POST.get("person") or None,
                )
        except PermissionDenied as error:
            raise Forbidden(error.message) from error
        except ProdOpsError as error:
            name = error.field.split(".")[-1] if error.field else None
            form.add_error(name if name in form.fields else None, error.message)
        else:
            return redirect("web:product", slug=product.slug)
    return render(
        request,
        "alignment/answer.html",
        {"product": product, "form": form, "functions": functions, "mine": mine},
    )
