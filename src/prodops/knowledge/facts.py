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

Every query is a ``PreparedQuery`` (``core.prepared``): built and compiled once, then
sent with new ids and dates, since re-evaluating one product cost more in building and
compiling querysets than in the database. What varies (today, the staleness cutoff,
the 28-day window) is computed here and passed as a value, never built into the query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import (
    CharField,
    Count,
    DateField,
    DateTimeField,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
)

from prodops.catalog.facts import products, teams
from prodops.core.facts import FactContext, FactSpec, FactValues, fact_provider, register_placeholder
from prodops.core.prepared import PreparedQuery
from prodops.knowledge.models import (
    Document,
    SupportEstimate,
    SupportSignoff,
    TrainingSession,
    doc_kinds,
    stale_before,
)

# docs.<kind>.count accepts the known document kinds only (readiness refuses a typo).
register_placeholder("kind", doc_kinds)

# Documents per product and kind, and how many of them were reviewed on or after the
# staleness cutoff.
_DOCUMENTS = PreparedQuery(
    lambda p: (
        Document.objects.filter(product_id__in_ids=p.ids)
        .order_by()
        .values("product_id", "kind")
        .annotate(n=Count("id"), fresh=Count("id", filter=Q(reviewed__isnull=False, reviewed__gte=p.cutoff)))
    ),
    cutoff=DateField(),
)


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
    rows = _DOCUMENTS.rows(ids=list(product_ids), cutoff=stale_before(now.date()))
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


def _support(p: Any) -> QuerySet[Any, Any]:
    """What support facts read, in one query: the support estimates of the batch and of
    every product of its run teams (``p.teams``), the held training sessions with their
    attendees (a row per attendee, or one with no attendee for a session nobody
    attended), and the sign-offs in force. Every column is an annotation, so the sides
    of the UNION ALL line up as (kind, product, a, b, stage, hours). The estimates come
    first because every column of theirs has a type: PostgreSQL types a UNION pair by
    pair from the left, and two untyped NULLs first would make ``hours`` text."""
    no_int, no_text, no_hours = (
        Value(None, IntegerField()),
        Value(None, CharField()),
        Value(None, FloatField()),
    )

    def columns(rows: QuerySet[Any, Any], kind: str, **a_b_stage_hours: Any) -> QuerySet[Any, Any]:
        return (
            rows.order_by()
            .annotate(k=Value(kind, CharField()), pid=F("product_id"), **a_b_stage_hours)
            .values_list("k", "pid", "a", "b", "stage", "hours")
        )

    estimates = SupportEstimate.objects.filter(
        Q(product_id__in_ids=p.ids) | Q(product__run_team_id__in_ids=p.teams)
    )
    sessions = TrainingSession.objects.filter(product_id__in_ids=p.ids, date__lte=p.today)
    signoffs = SupportSignoff.objects.filter(product_id__in_ids=p.ids, withdrawn_at__isnull=True)
    return columns(
        estimates,
        "e",
        a=F("product__run_team_id"),
        b=no_int,
        stage=F("product__stage"),
        hours=F("hours_per_week"),
    ).union(
        columns(sessions, "t", a=F("pk"), b=F("attendees"), stage=no_text, hours=no_hours),
        columns(signoffs, "s", a=F("person_id"), b=no_int, stage=no_text, hours=no_hours),
        all=True,
    )


_SUPPORT = PreparedQuery(_support, today=DateField())


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
def support_facts(
    product_ids: Sequence[int], now: datetime, context: FactContext | None = None
) -> FactValues:
    context = context or FactContext(product_ids, now)
    today = now.date()
    rows = products(context)
    team_of: dict[int, int | None] = {pid: rows[pid].run_team_id for pid in product_ids if pid in rows}
    known = teams(context).by_id

    team_ids = {t for t in team_of.values() if t is not None}
    held: dict[int, set[int]] = defaultdict(set)
    attended: dict[int, set[int]] = defaultdict(set)
    signed: dict[int, set[int]] = defaultdict(set)
    own_load: dict[int, float] = {}
    team_load: dict[int, float] = defaultdict(float)
    for kind, pid, a, b, stage, hours in _SUPPORT.rows(
        ids=list(product_ids), teams=sorted(team_ids), today=today
    ):
        if kind == "e":  # a, the product's run team
            if pid in team_of:
                own_load[pid] = hours
            if a in team_ids and stage != "retire":
                team_load[a] += hours
        elif kind == "t":  # a, a held session; b, an attendee or None
            held[pid].add(a)
            if b is not None:
                attended[pid].add(b)
        else:  # a, a person whose sign-off is in force
            signed[pid].add(a)

    observed = _observed_hours(product_ids, now)
    # Newcomers matter only where a utilisation is computed: a team with a capacity
    # running a product of the batch that has an estimate.
    weighed = {
        t
        for pid in own_load
        if (t := team_of.get(pid)) is not None and t in known and known[t].capacity_hours_per_week
    }
    newcomers = _newcomers(weighed) if weighed else {}
    fraction = settings.PRODOPS_ONBOARDING_CAPACITY

    result: dict[int, dict[str, Any]] = {}
    for pid in product_ids:
        if pid not in team_of:
            continue
        values: dict[str, Any] = {"training.sessions": len(held.get(pid, ()))}
        team_id = team_of[pid]
        team = known.get(team_id) if team_id is not None else None
        crew = set(team.members) if team is not None else set()
        if crew:
            values["training.coverage"] = round(len(crew & attended[pid]) / len(crew), 4)
            values["support.signoff_coverage"] = round(len(crew & signed[pid]) / len(crew), 4)
        if pid in observed:
            values["support.observed_hours"] = observed[pid]
        if pid in own_load:
            values["support.load_hours"] = own_load[pid]
            if team_id is not None and team is not None and team.capacity_hours_per_week:
                effective = team.capacity_hours_per_week
                learning = (newcomers.get(team_id, set()) & crew) - signed[pid]
                if learning:
                    effective *= 1 - (1 - fraction) * len(learning) / len(crew)
                if effective > 0:
                    values["support.utilization"] = round(team_load[team_id] / effective, 4)
        result[pid] = values
    return result


OBSERVED_WINDOW_DAYS = 28

# Ticket handle minutes per product opened in (since, now]. The events app's model is
# looked up by name (this app does not import it), when the query is first built.
_OBSERVED = PreparedQuery(
    lambda p: (
        apps.get_model("events", "Ticket")
        .objects.filter(
            product_id__in_ids=p.ids,
            opened_at__gt=p.since,
            opened_at__lte=p.now,
            handle_minutes__isnull=False,
        )
        .order_by()
        .values("product_id")
        .annotate(minutes=Sum("handle_minutes"))
    ),
    since=DateTimeField(),
    now=DateTimeField(),
)


def _observed_hours(product_ids: Sequence[int], now: datetime) -> dict[int, float]:
    """Ticket handle time in the last 28 days, as hours per week (sum / 60 / 4); nothing
    without the events app."""
    if not apps.is_installed("prodops.events"):
        return {}
    since = now - timedelta(days=OBSERVED_WINDOW_DAYS)
    rows = _OBSERVED.rows(ids=list(product_ids), since=since, now=now)
    weeks = OBSERVED_WINDOW_DAYS / 7
    return {row["product_id"]: round(row["minutes"] / 60 / weeks, 2) for row in rows}
