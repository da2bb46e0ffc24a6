"""Pages of the campaigns app: the list, and one campaign with its burn-up."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from prodops.campaigns import report as reports
from prodops.campaigns import services
from prodops.campaigns.models import Campaign
from prodops.core.csp import CSP_HEADER, standalone_policy
from prodops.core.errors import NotFound


def campaign_list(request: HttpRequest) -> HttpResponse:
    rows = [services.campaign_dict(c) for c in Campaign.objects.all()]
    return render(request, "campaigns/list.html", {"rows": rows})


def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        campaign = services.get_campaign(slug)
    except NotFound:
        raise Http404("no such campaign") from None
    # The SVG is built by our own code from numbers and escaped names (chart.py).
    chart = mark_safe(services.burnup_chart(campaign))
    return render(request, "campaigns/detail.html", {"c": services.campaign_dict(campaign), "chart": chart})


def campaign_report(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        campaign = services.get_campaign(slug)
    except NotFound:
        raise Http404("no such campaign") from None
    fmt = request.GET.get("format", "html")
    if fmt == "md":
        return HttpResponse(reports.report(campaign, fmt="md"), content_type="text/markdown; charset=utf-8")
    response = HttpResponse(reports.report(campaign, fmt="html"))
    # A standalone page with its own <style>: allowed by hash, and no script at all.
    response[CSP_HEADER] = standalone_policy(response.content)
    return response
