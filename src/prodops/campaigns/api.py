"""Campaigns over HTTP: the same services as the CLI and the web."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Router

from prodops.accounts.auth import api_actor
from prodops.campaigns import report as reports
from prodops.campaigns import services
from prodops.campaigns.models import Campaign
from prodops.campaigns.schemas import CampaignIn
from prodops.core.pagination import Envelope, Mapped, paginate

router = Router(tags=["campaigns"])


@router.get(
    "/campaigns", response=list[dict[str, Any]], summary="Campaigns with per-product status and the burn-up"
)
@paginate(Envelope)
def list_campaigns(request: HttpRequest) -> Mapped:
    return Mapped(Campaign.objects.all(), services.campaign_dict)


@router.post("/campaigns", response={201: dict[str, Any]}, summary="Launch a campaign (product operations)")
def launch(request: HttpRequest, payload: CampaignIn) -> tuple[int, dict[str, Any]]:
    actor = api_actor(request)
    with transaction.atomic():
        campaign = services.launch_campaign(actor=actor, **payload.dict())
        return 201, services.campaign_dict(campaign)


@router.get("/campaigns/{slug}", summary="One campaign")
def get_campaign(request: HttpRequest, slug: str) -> dict[str, Any]:
    return services.campaign_dict(services.get_campaign(slug, field="slug"))


@router.get("/campaigns/{slug}/burnup.svg", summary="The burn-up chart (SVG)")
def burnup(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponse(
        services.burnup_chart(services.get_campaign(slug, field="slug")), content_type="image/svg+xml"
    )


@router.get("/campaigns/{slug}/report", summary="The campaign report (format=md or html)")
def report(request: HttpRequest, slug: str, format: str = "md") -> HttpResponse:
    text = reports.report(services.get_campaign(slug, field="slug"), fmt=format)
    return HttpResponse(
        text, content_type="text/html" if format == "html" else "text/markdown; charset=utf-8"
    )
