"""Known-error page: what support opens with a symptom in hand. Without a symptom it lists
the known errors to browse; filters by product, status and whether a workaround exists
apply to both."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from prodops.catalog.models import Product
from prodops.risks import services
from prodops.risks.models import KnownError

PAGE_SIZE = 50


@login_required
def search(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()
    slug = request.GET.get("product", "").strip()
    status = request.GET.get("status", "").strip()
    workaround = request.GET.get("workaround", "").strip()
    product = Product.objects.filter(slug=slug).first() if slug else None
    error = f"No product with slug {slug!r}; searching every product." if slug and product is None else ""
    context: dict[str, Any] = {
        "q": text,
        "product": product,
        "status": status,
        "workaround": workaround,
        "statuses": KnownError.Status.choices,
        "products": Product.objects.order_by("name").only("slug", "name"),
        "error": error,
    }
    if text:
        hits = services.search_known_errors(text=text, product=product, limit=50)
        context["hits"] = [
            (ke, rank)
            for ke, rank in hits
            if (status not in KnownError.Status.values or ke.status == status)
            and (workaround != "with" or ke.workaround)
            and (workaround != "without" or not ke.workaround)
        ]
    else:
        listed = services.list_known_errors(product=product, status=status, workaround=workaround)
        context["page"] = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
        params = request.GET.copy()
        params.pop("page", None)
        context["query"] = params.urlencode()
    return render(request, "risks/search.html", context, status=200)
