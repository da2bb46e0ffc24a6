"""Posting a comment from the product's activity timeline."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect

from prodops.catalog.models import Product
from prodops.comments import services
from prodops.core.actors import Actor
from prodops.core.errors import PermissionDenied, ProdOpsError


def post(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    product = get_object_or_404(Product, slug=slug)
    target = request.POST.get("target") or "product"
    raw_id = (request.POST.get("target_id") or "").strip()
    try:
        target_id = int(raw_id) if raw_id else None
        with transaction.atomic():
            services.post_comment(
                actor=Actor.for_user(request.user, "web"),  # type: ignore[arg-type]
                product=product,
                body=request.POST.get("body", ""),
                target=target,
                target_id=target_id,
            )
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from None
    except ProdOpsError as exc:
        messages.error(request, f"{exc.field}: {exc.message}" if exc.field else exc.message)
    except ValueError:
        messages.error(request, "target_id must be a number")
    else:
        messages.info(request, "Comment posted.")
    return redirect("web:product-activity", slug=slug)
