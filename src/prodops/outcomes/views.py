"""The product page's "Alignment and customer outcomes" panel (loaded by HTMX), next to
each other: what the functions say matters, and what customers do."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from prodops.alignment import services as alignment
from prodops.alignment.models import ITEM_LABELS
from prodops.catalog.models import Product
from prodops.outcomes import services
from prodops.outcomes.charts import line_chart


def panel(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(Product, slug=slug)
    as_of = services.default_as_of()
    data = services.outcomes(product, as_of)
    series = services.active_users_series(product, as_of, days=90)
    by_day = dict(series)
    days = [as_of - timedelta(days=n) for n in range(89, -1, -1)]
    dau_chart = line_chart([(d.isoformat(), by_day.get(d)) for d in days]) if series else None
    agreement = alignment.summary(product)
    trajectory = alignment.trajectory(product)
    w_chart = line_chart([(f"{at:%Y-%m-%d} round {number}", w) for at, number, w in trajectory], y_max=1.0)
    consensus = [{**entry, "label": ITEM_LABELS[entry["item"]]} for entry in agreement["consensus"]]
    return render(
        request,
        "outcomes/partials/panel.html",
        {
            "product": product,
            "o": data,
            "dau_chart": dau_chart,
            "a": agreement,
            "consensus": consensus,
            "w_chart": w_chart,
            "retention_rows": [
                {"n": key, "bracket": data["retention"][key], "unbounded": data["retention_unbounded"][key]}
                for key in data["retention"]
            ],
        },
    )
