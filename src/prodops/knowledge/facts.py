"""Facts about what the run team knows and can carry, computed for a batch of products
with a fixed number of queries (not one per product).

Definitions (also in each spec's description):

* ``docs.<kind>.count`` — documents of that kind; every known kind is reported (0 when
  there are none), so a rule like ``docs.runbook.count >= 1`` is never *unknown*.
* ``docs.<kind>.fresh_count`` — of those, reviewed within PRODOPS_DOC_STALE_DAYS.
* ``docs.stale_count`` — documents of any kind never reviewed or reviewed more than
  PRODOPS_DOC_STALE_DAYS days ago.
* ``training.sessions`` — training sessions held for the product (date on or before today).
* ``training.coverage`` — share (0..1) of the run team's current members who attended at
  least one held session for the product. Unknown without a run team with members.
* ``support.signoff_coverage`` — share (0..1) of the run team's current members whose
  "I can support this" is in force (signed, not withdrawn). Unknown as above.
* ``support.load_hours`` — the product's expected support load, hours per week.
* ``support.observed_hours`` — ticket handle time of the last 28 days, hours per week
  (events app); compare it with the estimate.
* ``support.utilization`` — the run team's total expected load (every product it runs
  that has an estimate and is not retired, this one included) ÷ the team's
  ``capacity_hours_per_week``. Unknown when the team has no capacity or this product has
  no estimate (a total without it would understate the load). A member still being
  onboarded (see ``register_newcomers``) who has not signed "I can support this" for
  this product counts at ``PRODOPS_ONBOARDING_CAPACITY`` (default 0.5) of an equal share
  of the team's capacity: capacity * (1 - (1 - f) * k / n) for k such members of n.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Count, Q

from prodops.core.facts import FactSpec, FactValues, fact_provider, register_placeholder
from prodops.knowledge.models import doc_kinds

# docs.<kind>.count accepts the known document kinds only (readiness refuses a typo).
register_placeholder("kind", doc_kinds)


@fact_provider(
    FactSpec("docs.<kind>.count", "int", "documents", "Documents of that kind (runbook, architecture, ...)."),
    FactSpec(
        "docs.<kind>.fresh_count",
        "int",
        "documents",
        "Documents of that kind reviewed within PRODOPS_DOC_STALE_DAYS days (default 180).",
    ),
    FactSpec(
        "docs.stale_count",
        "int",
        "documents",
        "Documents never reviewed, or last reviewed more than PRODOPS_DOC_STALE_DAYS days ago.",
    ),
)
def document_facts(product_ids: Sequence[int], now: datetime) -> FactValues:
    from prodops.knowledge.models import Document, doc_kinds, stale_before

    cutoff = stale_before(now.date())
    fresh = Q(reviewed__isnull=False, reviewed__gte=cutoff)
    rows = (
        Document.objects.filter(product_id__in_ids=product_ids)
        .values("product_id", "kind")
        .annotate(n=Count("id"), fresh=Count("id", filter=fresh))
    )
    result: dict[int, dict[str, Any]] = {}
    for pid in product_ids:
        values: dict[str, Any] = {"docs.stale_count": 0}
        for kind in doc_kinds():
            values[f"docs.{kind}.count"] = 0
            values[f"docs.{kind}.fresh_count"] = 0
        result[pid] = values
    for row in rows:
        values = result[row["product_id"]]
        values[f"docs.{row['kind']}.count"] = row["n"]
        values[f"docs.{row['kind']}.fresh_count"] = row["fresh"]
        values["docs.stale_count"] += row["n"] - row["fresh"]
    return result


def _run_team_members(product_ids: Sequence[int]) -> tuple[dict[int, int | None], dict[int, set[int]]]:
    """product id → run team id, and run team id → member person ids."""
    from prodops.catalog.models import Product, Team

    team_of: dict[int, int | None] = dict(
        Product.objects.filter(id__in_ids=product_ids).values_list("id", "run_team_id")
    )
    team_ids = {t for t in team_of.values() if t is not None}
    members: dict[int, set[int]] = defaultdict(set)
    through = Team.members.through
    for team_id, person_id in through.objects.filter(team_id__in=team_ids).values_list(
        "team_id", "person_id"
    ):
        members[team_id].add(person_id)
    return team_of, members


# Who is still being onboarded: team id -> person ids. Registered by the app that knows
# (playbooks: an open onboarding run), so this app does not import it.
_newcomer_sources: list[Callable[[Iterable[int]], dict[int, set[int]]]] = []


def register_newcomers(source: Callable[[Iterable[int]], dict[int, set[int]]]) -> None:
    if source not in _newcomer_sources:
        _newcomer_sources.append(source)


def _newcomers(team_ids: Iterable[int]) -> dict[int, set[int]]:
    ids = list(team_ids)
    found: dict[int, set[int]] = defaultdict(set)
    for source in _newcomer_sources:
        for team_id, people in source(ids).items():
            found[team_id] |= people
    return found


@fact_provider(
    FactSpec("training.sessions", "int", "sessions", "Training sessions held for the product (up to today)."),
    FactSpec(
        "training.coverage",
        "float",
        "share",
        "Share (0..1) of the run team's members who attended at least one held training session "
        "for the product. Unknown without a run team with members.",
    ),
    FactSpec(
        "support.signoff_coverage",
        "float",
        "share",
        "Share (0..1) of the run team's members who signed 'I can support this' and have not "
        "withdrawn it. Unknown without a run team with members.",
    ),
    FactSpec("support.load_hours", "float", "hours/week", "The product's expected support load."),
    FactSpec(
        "support.observed_hours",
        "float",
        "hours/week",
        "Support time actually spent: handle minutes of the tickets opened in the last 28 days, "
        "in hours per week. Unknown when no ticket with a handle time was opened in that window.",
    ),
    FactSpec(
        "support.utilization",
        "float",
        "ratio",
        "The run team's expected support load over all its (non-retired) products with an "
        "estimate, this one included, divided by the team's weekly capacity (members still being "
        "onboarded who have not signed off for this product count at PRODOPS_ONBOARDING_CAPACITY). "
        "Unknown when the team has no capacity or the product has no estimate.",
    ),
)
def support_facts(product_ids: Sequence[int], now: datetime) -> FactValues:
    from prodops.catalog.models import Product, Team
    from prodops.knowledge.models import SupportEstimate, SupportSignoff, TrainingSession

    today = now.date()
    team_of, members = _run_team_members(product_ids)

    held = TrainingSession.objects.filter(product_id__in_ids=product_ids, date__lte=today)
    sessions = dict(held.values("product_id").annotate(n=Count("id")).values_list("product_id", "n"))
    attended: dict[int, set[int]] = defaultdict(set)
    through = TrainingSession.attendees.through
    for pid, person_id in through.objects.filter(
        trainingsession__product_id__in_ids=product_ids, trainingsession__date__lte=today
    ).values_list("trainingsession__product_id", "person_id"):
        attended[pid].add(person_id)

    signed: dict[int, set[int]] = defaultdict(set)
    for pid, person_id in SupportSignoff.objects.filter(
        product_id__in_ids=product_ids, withdrawn_at__isnull=True
    ).values_list("product_id", "person_id"):
        signed[pid].add(person_id)

    own_load = dict(
        SupportEstimate.objects.filter(product_id__in_ids=product_ids).values_list(
            "product_id", "hours_per_week"
        )
    )
    team_ids = {t for t in team_of.values() if t is not None}
    capacity = dict(Team.objects.filter(id__in=team_ids).values_list("id", "capacity_hours_per_week"))
    team_load: dict[int, float] = defaultdict(float)
    for load_team, hours in (
        Product.objects.filter(run_team_id__in=team_ids, support_estimate__isnull=False)
        .exclude(stage="retire")
        .values_list("run_team_id", "support_estimate__hours_per_week")
    ):
        team_load[load_team] += hours

    observed = _observed_hours(product_ids, now)
    newcomers = _newcomers(team_ids) if team_ids else {}
    from django.conf import settings

    fraction = settings.PRODOPS_ONBOARDING_CAPACITY

    result: dict[int, dict[str, Any]] = {}
    for pid in product_ids:
        if pid not in team_of:
            continue
        values: dict[str, Any] = {"training.sessions": sessions.get(pid, 0)}
        team_id = team_of[pid]
        crew = members.get(team_id, set()) if team_id is not None else set()
        if crew:
            values["training.coverage"] = round(len(crew & attended[pid]) / len(crew), 4)
            values["support.signoff_coverage"] = round(len(crew & signed[pid]) / len(crew), 4)
        if pid in observed:
            values["support.observed_hours"] = observed[pid]
        if pid in own_load:
            values["support.load_hours"] = own_load[pid]
            if team_id is not None and capacity.get(team_id):
                effective = capacity[team_id]
                learning = (newcomers.get(team_id, set()) & crew) - signed[pid]
                if learning:
                    effective *= 1 - (1 - fraction) * len(learning) / len(crew)
                if effective > 0:
                    values["support.utilization"] = round(team_load[team_id] / effective, 4)
        result[pid] = values
    return result


OBSERVED_WINDOW_DAYS = 28


def _observed_hours(product_ids: Sequence[int], now: datetime) -> dict[int, float]:
    """Ticket handle time in the last 28 days, as hours per week (sum / 60 / 4)."""
    from datetime import timedelta

    from django.apps import apps
    from django.db.models import Sum

    try:
        ticket = apps.get_model("events", "Ticket")
    except LookupError:
        return {}
    rows = (
        ticket.objects.filter(
            product_id__in_ids=product_ids,
            opened_at__gt=now - timedelta(days=OBSERVED_WINDOW_DAYS),
            opened_at__lte=now,
            handle_minutes__isnull=False,
        )
        .values("product_id")
        .annotate(minutes=Sum("handle_minutes"))
    )
    weeks = OBSERVED_WINDOW_DAYS / 7
    return {row["product_id"]: round(row["minutes"] / 60 / weeks, 2) for row in rows}
