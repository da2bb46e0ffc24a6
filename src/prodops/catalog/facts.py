"""Catalog-level facts: what the catalog itself knows about a product.

Every provider is batched: one query per table for the whole batch, never one per
product, so that a 10,000-product portfolio is computed in well under a second.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import Count

from prodops.core.facts import FactSpec, fact_provider


@fact_provider(
    FactSpec("product.tier", "int", "tier", "Criticality tier: 1 is the most critical, 4 the least."),
    FactSpec("product.stage", "string", "stage", "The current lifecycle stage (plan, build, pilot, ...)."),
    FactSpec(
        "product.links",
        "list",
        "names",
        "Names of the product's links (e.g. repo, dashboard), for rules like `'dashboard' in product.links`.",
    ),
    FactSpec(
        "owners.complete",
        "bool",
        "",
        "Both a build lead and a run lead are named, and they are two different people (two in a box).",
    ),
    FactSpec("teams.build", "bool", "", "A build team is assigned."),
    FactSpec("teams.run", "bool", "", "A run (operations or support) team is assigned."),
    FactSpec("stakeholders.count", "int", "people", "Stakeholders named beside the two leads."),
    FactSpec("slo.count", "int", "SLOs", "Service level objectives defined for the product."),
    FactSpec(
        "oncall.rotation",
        "bool",
        "",
        "An on-call rotation is named in the product's on-call settings (`oncall.rotation`).",
    ),
    FactSpec(
        "oncall.by_run_team",
        "bool",
        "",
        "An on-call rotation is named and the run team holds it (`oncall.team` unset or the run team).",
    ),
    FactSpec(
        "oncall.team_size",
        "int",
        "people",
        "Members of the on-call team (the team named in `oncall.team`, else the run team); "
        "0 when no team is known.",
    ),
    FactSpec(
        "custom.<key>",
        "string",
        "as pushed",
        "A custom fact from the product's `spec.facts` or `PUT /api/v1/products/{slug}/facts`. "
        "Any JSON value: its CEL type is the JSON type pushed (number, bool, string, list, map).",
    ),
)
def catalog_facts(product_ids: Sequence[int], now: datetime) -> dict[int, dict[str, Any]]:
    from prodops.catalog.models import SLO, Product, Stakeholder, Team

    rows = list(
        Product.objects.filter(pk__in_ids=product_ids).values_list(
            "pk",
            "tier",
            "stage",
            "links",
            "build_lead_id",
            "run_lead_id",
            "build_team_id",
            "run_team_id",
            "oncall",
            "facts",
        )
    )
    slo_counts = dict(
        SLO.objects.filter(product_id__in_ids=product_ids)
        .values("product_id")
        .annotate(n=Count("id"))
        .values_list("product_id", "n")
    )
    stakeholder_counts = dict(
        Stakeholder.objects.filter(product_id__in_ids=product_ids)
        .values("product_id")
        .annotate(n=Count("id"))
        .values_list("product_id", "n")
    )
    # Team sizes for every team an on-call rotation may point at, in one query.
    team_slugs = {str(r[8].get("team")) for r in rows if isinstance(r[8], dict) and r[8].get("team")}
    team_ids = {r[7] for r in rows if r[7]}
    sizes_by_id: dict[int, int] = {}
    sizes_by_slug: dict[str, int] = {}
    slug_by_id: dict[int, str] = {}
    if team_slugs or team_ids:
        from django.db.models import Q

        for pk, slug, n in (
            Team.objects.filter(Q(pk__in=team_ids) | Q(slug__in=team_slugs))
            .annotate(n=Count("members"))
            .values_list("pk", "slug", "n")
        ):
            sizes_by_id[pk] = n
            sizes_by_slug[slug] = n
            slug_by_id[pk] = slug

    result: dict[int, dict[str, Any]] = defaultdict(dict)
    for pk, tier, stage, links, build_lead, run_lead, build_team, run_team, oncall_raw, facts in rows:
        oncall = oncall_raw if isinstance(oncall_raw, dict) else {}
        values: dict[str, Any] = {
            "product.tier": tier,
            "product.stage": stage,
            "product.links": sorted(links) if isinstance(links, dict) else [],
            "owners.complete": bool(build_lead and run_lead and build_lead != run_lead),
            "teams.build": build_team is not None,
            "teams.run": run_team is not None,
            "stakeholders.count": stakeholder_counts.get(pk, 0),
            "slo.count": slo_counts.get(pk, 0),
            "oncall.rotation": bool(oncall.get("rotation")),
            "oncall.by_run_team": bool(
                oncall.get("rotation")
                and run_team is not None
                and (not oncall.get("team") or str(oncall["team"]) == slug_by_id.get(run_team))
            ),
            "oncall.team_size": (
                sizes_by_slug.get(str(oncall["team"]), 0)
                if oncall.get("team")
                else sizes_by_id.get(run_team, 0)
                if run_team
                else 0
            ),
        }
        if isinstance(facts, dict):
            for key, value in facts.items():
                values[f"custom.{key}"] = value
        result[pk] = values
    return dict(result)
