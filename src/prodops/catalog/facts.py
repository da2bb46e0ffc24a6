"""Catalog-level facts: what the catalog itself knows about a product.

Every provider is batched: one query per table for the whole batch, never one per
product, so that a 10,000-product portfolio is computed in well under a second.

This module also owns two lookups every provider of a batch may share through its
``FactContext``: the product rows (``products``) and the teams they name with their
members (``teams``), each read once per batch however many providers ask.

Every query here is a ``PreparedQuery`` (``core.prepared``): re-evaluating one product
sends them with new ids only, without building and compiling the queryset again, which
cost more than the database did.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import CharField, Count, F, Q, QuerySet, Value

from prodops.catalog.models import SLO, Product, Stakeholder, Team
from prodops.core.facts import FactContext, FactSpec, fact_provider
from prodops.core.prepared import ListOf, PreparedQuery

PRODUCTS = "catalog.products"
TEAMS = "catalog.teams"


# The batch's whole product rows (model instances), when the caller did not hand them over.
_PRODUCTS = PreparedQuery(lambda p: Product.objects.filter(pk__in_ids=p.ids).order_by())


def products(context: FactContext) -> dict[int, Product]:
    """The batch's product rows (whole rows: one read serves every provider)."""
    return context.shared(PRODUCTS, lambda: {p.pk: p for p in _PRODUCTS.rows(ids=context.product_ids)})


def provide_products(context: FactContext, rows: Iterable[Product]) -> None:
    """Hand the batch's product rows, already read by the caller, to every provider."""
    context.provide(PRODUCTS, {p.pk: p for p in rows})


@dataclass(frozen=True)
class TeamInfo:
    pk: int
    slug: str
    capacity_hours_per_week: float
    members: frozenset[int]  # person ids


@dataclass(frozen=True)
class Teams:
    by_id: dict[int, TeamInfo]
    by_slug: dict[str, TeamInfo]


def _oncall_team(product: Product) -> str | None:
    oncall = product.oncall if isinstance(product.oncall, dict) else {}
    return str(oncall["team"]) if oncall.get("team") else None


# Teams by id (the run teams) or by slug (named by on-call settings), a row per member.
# Either list may be empty: its branch of the OR is then dropped.
_TEAMS = PreparedQuery(
    lambda p: (
        Team.objects.filter(Q(pk__in_ids=p.ids) | Q(slug__in_ids=p.slugs))
        .order_by()
        .values_list("pk", "slug", "capacity_hours_per_week", "members")
    ),
    slugs=ListOf(CharField()),
)


def teams(context: FactContext) -> Teams:
    """The run teams of the batch's products and the teams their on-call settings name,
    with their members, in one query (a row per member)."""

    def load() -> Teams:
        rows = products(context).values()
        ids = {p.run_team_id for p in rows if p.run_team_id}
        slugs = {slug for p in rows if (slug := _oncall_team(p))}
        found: dict[int, tuple[str, float, set[int]]] = {}
        for pk, slug, capacity, person in _TEAMS.rows(ids=sorted(ids), slugs=sorted(slugs)):
            entry = found.setdefault(pk, (slug, capacity, set()))
            if person is not None:
                entry[2].add(person)
        infos = [TeamInfo(pk, slug, cap, frozenset(people)) for pk, (slug, cap, people) in found.items()]
        return Teams(by_id={t.pk: t for t in infos}, by_slug={t.slug: t for t in infos})

    return context.shared(TEAMS, load)


def _counted(model: Any, kind: str, ids: Any) -> QuerySet[Any, Any]:
    return (
        model.objects.filter(product_id__in_ids=ids)
        .order_by()
        .values("product_id")
        .annotate(k=Value(kind, CharField()), pid=F("product_id"), n=Count("id"))
        .values_list("k", "pid", "n")
    )


# SLOs and stakeholders counted in one query (every column an annotation, so both sides
# of the UNION have their columns in the same order).
_COUNTS = PreparedQuery(
    lambda p: _counted(SLO, "slo", p.ids).union(_counted(Stakeholder, "stakeholder", p.ids), all=True)
)


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
def catalog_facts(
    product_ids: Sequence[int], now: datetime, context: FactContext | None = None
) -> dict[int, dict[str, Any]]:
    context = context or FactContext(product_ids, now)
    rows = products(context)
    slo_counts: dict[int, int] = {}
    stakeholder_counts: dict[int, int] = {}
    for kind, pid, n in _COUNTS.rows(ids=list(product_ids)):
        (slo_counts if kind == "slo" else stakeholder_counts)[pid] = n
    known = teams(context)
    sizes_by_id = {pk: len(t.members) for pk, t in known.by_id.items()}
    sizes_by_slug = {slug: len(t.members) for slug, t in known.by_slug.items()}
    slug_by_id = {pk: t.slug for pk, t in known.by_id.items()}

    result: dict[int, dict[str, Any]] = defaultdict(dict)
    for p in (rows[pid] for pid in product_ids if pid in rows):
        pk, tier, stage, links, facts = p.pk, p.tier, p.stage, p.links, p.facts
        build_lead, run_lead, build_team, run_team = (
            p.build_lead_id,
            p.run_lead_id,
            p.build_team_id,
            p.run_team_id,
        )
        oncall = p.oncall if isinstance(p.oncall, dict) else {}
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
