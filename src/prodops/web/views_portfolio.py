"""Product operations' view of the portfolio: team load against capacity (the 0.85
line), DORA per product and for the portfolio, pending approvals and unsigned waivers;
and "waiting on me" for everyone."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from prodops.catalog.models import Product
from prodops.knowledge.services import UTILIZATION_LIMIT, team_loads
from prodops.lifecycle.models import Transition
from prodops.readiness.models import Waiver
from prodops.web import charts, integrations
from prodops.web.waiting import waiting_for


def waiting(request: HttpRequest) -> HttpResponse:
    email = (getattr(request.user, "email", "") or "").lower()
    return render(request, "web/waiting.html", {"waiting": waiting_for(email)})


def team_load(request: HttpRequest) -> HttpResponse:

    loads = team_loads()
    chart = charts.utilization_bars([(t.team.name, t.utilization) for t in loads], limit=UTILIZATION_LIMIT)
    now = timezone.now()
    pending = Transition.objects.filter(status=Transition.Status.PENDING).select_related("product")
    unsigned = (
        Waiver.objects.filter(revoked_at__isnull=True, expires_at__gt=now)
        .exclude(build_lead_signed_at__isnull=False, run_lead_signed_at__isnull=False)
        .select_related("product")
    )
    context: dict[str, Any] = {
        "loads": loads,
        "chart": chart,
        "limit": UTILIZATION_LIMIT,
        "pending": pending.order_by("requested_at")[:20],
        "pending_count": pending.count(),
        "unsigned": unsigned.order_by("expires_at")[:20],
        "unsigned_count": unsigned.count(),
        **integrations.dora_portfolio(
            Product.objects.filter(stage__in=["pilot", "warranty", "operate"]).order_by("tier", "slug")
        ),
    }
    return render(request, "web/team_load.html", context)


def waiting_count(request: HttpRequest) -> HttpResponse:
    """The top bar's count, loaded by HTMX after the page."""
    email = (getattr(request.user, "email", "") or "").lower()
    return render(request, "web/partials/waiting_count.html", {"count": waiting_for(email).count})
