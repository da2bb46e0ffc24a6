"""Best-practice campaigns: launch, per-product status, daily snapshots (the burn-up),
reminders to both leads 14 and 3 days before the target, and the report.

A campaign copies its criteria from a standard at launch (so a later change to the
standard does not move the goalposts) and evaluates them with the readiness engine.
A criterion with ``enforce_from`` is advisory for the selected products before that day
and blocking from it on: the readiness gates read that through
``readiness.services.register_severity_source`` (see ``severity_source``). That applies
to criteria of the products' own standard with the same id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from pydantic import ValidationError

from prodops.accounts import policy
from prodops.audit.services import record
from prodops.campaigns.chart import Point, burnup_svg
from prodops.campaigns.models import Campaign, Reminder, Snapshot
from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, NotFound
from prodops.core.prepared import PreparedQuery
from prodops.core.signals import notify_facts_changed
from prodops.notifications.services import notify
from prodops.readiness import rules
from prodops.readiness.models import Standard
from prodops.readiness.services import (
    DEFAULT_SLUG,
    compile_spec,
    default_standard_document,
    evaluate_criteria,
)
from prodops.readiness.spec import CriterionSpec, StandardSpec

REMINDER_DAYS = (14, 3)
_SLUG = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
SELECTION_FIELDS = ("tiers", "teams", "tags", "stages")


def get_campaign(slug: str, *, field: str = "campaign") -> Campaign:
    campaign = Campaign.objects.filter(slug=str(slug)[:100]).first()
    if campaign is None:
        raise NotFound(f"no campaign {str(slug)[:100]!r}", field=field)
    return campaign


def _selection(data: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for key, value in (data or {}).items():
        if key not in SELECTION_FIELDS:
            raise InvalidInput(
                f"unknown selection field; allowed: {', '.join(SELECTION_FIELDS)}", field=f"selection.{key}"
            )
        if not isinstance(value, list) or not value:
            raise InvalidInput("a non-empty list", field=f"selection.{key}")
        if key == "tiers" and any(type(v) is not int or v not in {1, 2, 3, 4} for v in value):
            raise InvalidInput("tiers are 1 to 4", field="selection.tiers")
        if key != "tiers" and any(
            not isinstance(v, str) or not v or len(v) > 63 or "\x00" in v for v in value
        ):
            raise InvalidInput("a list of names", field=f"selection.{key}")
        out[key] = sorted(set(value))
    return out


def launch_campaign(
    *,
    actor: Actor,
    slug: str,
    name: str,
    standard: str,
    start: date,
    target: date,
    criteria: Sequence[str | Mapping[str, Any]] | None = None,
    selection: Mapping[str, Any] | None = None,
    description: str = "",
    now: datetime | None = None,
) -> Campaign:
    """Launch a campaign: the criteria (ids, each optionally ``{id, enforce_from}``; all
    of the standard when None) are copied from the standard's current version."""
    policy.require(actor, "campaign.manage")
    now = now or timezone.now()
    if not _SLUG.match(slug or ""):
        raise InvalidInput("a slug is 1-63 lower-case letters, digits and hyphens", field="slug")
    if Campaign.objects.filter(slug=slug).exists():
        raise InvalidInput(f"a campaign {slug!r} exists already", field="slug")
    name = (name or "").strip()
    if not name or len(name) > 200 or "\x00" in name:
        raise InvalidInput("a name is 1-200 characters", field="name")
    if target <= start:
        raise InvalidInput("the target date comes after the start", field="target")

    row = Standard.objects.filter(slug=standard).first()
    if row is not None:
        spec, version = StandardSpec.model_validate(row.spec), row.version
    elif standard == DEFAULT_SLUG:
        spec, version = StandardSpec.model_validate(default_standard_document()["spec"]), 0
    else:
        raise NotFound(f"no standard {standard!r}", field="standard")
    by_id = {c.id: c for c in spec.criteria}
    chosen: list[dict[str, Any]] = []
    wanted = criteria if criteria is not None else [c.id for c in spec.criteria]
    if not wanted:
        raise InvalidInput("a campaign needs at least one criterion", field="criteria")
    for i, item in enumerate(wanted):
        entry = {"id": item} if isinstance(item, str) else dict(item)
        if set(entry) - {"id", "enforce_from"}:
            raise InvalidInput("a criterion is {id, enforce_from}", field=f"criteria.{i}")
        cid = entry.get("id")
        if not isinstance(cid, str) or cid not in by_id:
            raise InvalidInput(
                f"{str(cid)[:100]!r} is not a criterion of standard {standard!r}", field=f"criteria.{i}.id"
            )
        enforce = entry.get("enforce_from")
        if enforce is not None:
            try:
                enforce = date.fromisoformat(str(enforce))
            except ValueError:
                raise InvalidInput("a date, YYYY-MM-DD", field=f"criteria.{i}.enforce_from") from None
        data = by_id[cid].model_dump(mode="json")
        data["enforce_from"] = enforce.isoformat() if enforce else None
        chosen.append(data)
    campaign = Campaign.objects.create(
        slug=slug,
        name=name,
        description=(description or "").strip()[:5000],
        standard=standard,
        standard_version=version,
        stages=list(spec.stage_list),
        criteria=chosen,
        selection=_selection(selection),
        start=start,
        target=target,
        created_by=actor.label,
    )
    record(
        actor=actor,
        action="campaign.launch",
        obj=campaign,
        changes={"criteria": [None, [c["id"] for c in chosen]], "target": [None, target.isoformat()]},
    )
    take_snapshot(campaign, now=now)
    _reevaluate(campaign)
    return campaign


def _reevaluate(campaign: Campaign) -> None:
    """Gates of the selected products change with enforce_from: re-evaluate them."""

    if any(c.get("enforce_from") for c in campaign.criteria):
        notify_facts_changed([p.pk for p in selected_products(campaign)])


def selected_products(campaign: Campaign) -> list[Product]:
    """The products the campaign covers (every field given must match; retired ones are out).
    Tiers and stages are also filtered in the query, to read fewer rows."""
    sel = campaign.selection or {}
    qs = Product.objects.exclude(stage="retire").select_related(
        "build_lead", "run_lead", "build_team", "run_team"
    )
    if sel.get("tiers"):
        qs = qs.filter(tier__in=sel["tiers"])
    if sel.get("stages"):
        qs = qs.filter(stage__in=sel["stages"])
    return [
        p
        for p in qs.order_by("slug")
        if _selects(
            sel,
            teams=(p.build_team.slug if p.build_team else None, p.run_team.slug if p.run_team else None),
            tags=p.tags,
            tier=p.tier,
            stage=p.stage,
        )
    ]


def _selects(
    sel: Mapping[str, Any],
    *,
    teams: tuple[str | None, str | None],
    tags: list[str] | None,
    tier: int,
    stage: str,
) -> bool:
    """Whether a product (not retired) with this tier, stage, build and run team slugs
    and tags is in the selection (every field the selection gives must match)."""
    if sel.get("tiers") and tier not in sel["tiers"]:
        return False
    if sel.get("stages") and stage not in sel["stages"]:
        return False
    if sel.get("teams") and not any(t is not None and t in sel["teams"] for t in teams):
        return False
    return not sel.get("tags") or bool(set(sel["tags"]) & set(tags or []))


def _compiled(campaign: Campaign) -> rules.CompiledStandard:

    specs = [
        CriterionSpec.model_validate({k: v for k, v in c.items() if k != "enforce_from"})
        for c in campaign.criteria
    ]
    try:
        spec = StandardSpec(stages=campaign.stages, criteria=specs)
    except ValidationError as exc:  # pragma: no cover - validated at launch
        raise InvalidInput(str(exc), field="criteria") from None
    return compile_spec(slug=f"campaign:{campaign.slug}", version=campaign.standard_version, spec=spec)


@dataclass
class ProductStatus:
    product: Product
    passing: list[str] = field(default_factory=list)
    failing: list[str] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)  # failing and enforced (enforce_from reached)

    @property
    def done(self) -> bool:
        return not self.failing


def enforce_dates(campaign: Campaign) -> dict[str, date]:
    return _enforce_dates(campaign.criteria)


def _enforce_dates(criteria: Sequence[Mapping[str, Any]]) -> dict[str, date]:
    return {c["id"]: date.fromisoformat(c["enforce_from"]) for c in criteria if c.get("enforce_from")}


def status(campaign: Campaign, *, now: datetime | None = None) -> list[ProductStatus]:
    """Per selected product: the campaign's criteria (those that apply to its tier)
    passing (pass or waived) and failing (fail or unknown)."""
    now = now or timezone.now()
    products = selected_products(campaign)
    compiled = _compiled(campaign)
    results = evaluate_criteria(compiled, products=[(p.pk, p.tier) for p in products], now=now)
    enforce = enforce_dates(campaign)
    today = timezone.localtime(now).date()
    out = []
    for product in products:
        ps = ProductStatus(product)
        for res in results.get(product.pk, []):
            if res.status in rules.OK_STATUSES:
                ps.passing.append(res.id)
            else:
                ps.failing.append(res.id)
                if res.id in enforce and today >= enforce[res.id]:
                    ps.blocking.append(res.id)
        out.append(ps)
    return out


def take_snapshot(campaign: Campaign, *, now: datetime | None = None) -> Snapshot:
    """Today's progress (idempotent: one row per day, the latest count wins)."""
    now = now or timezone.now()
    rows = status(campaign, now=now)
    done = sum(len(r.passing) for r in rows)
    scope = done + sum(len(r.failing) for r in rows)
    snap, _ = Snapshot.objects.update_or_create(
        campaign=campaign,
        day=timezone.localtime(now).date(),
        defaults={"done": done, "scope": scope, "products": {r.product.slug: r.passing for r in rows}},
    )
    return snap


def burnup(campaign: Campaign) -> list[Point]:
    return [Point(s.day, s.done, s.scope) for s in campaign.snapshots.order_by("day")]


def burnup_chart(campaign: Campaign) -> str:
    return burnup_svg(burnup(campaign), start=campaign.start, target=campaign.target, title=campaign.name)


# What severity_source reads on every re-evaluation, built and compiled once (core.prepared):
# the active campaigns' criteria and selections (the order does not matter: blocking wins),
# then, only if one of them enforces a criterion, what the selection looks at of the
# batch's products (retired ones are never selected).
_ACTIVE_CAMPAIGNS = PreparedQuery(
    lambda p: (
        Campaign.objects.filter(status=Campaign.Status.ACTIVE).order_by().values_list("criteria", "selection")
    )
)
_SELECTABLE = PreparedQuery(
    lambda p: (
        Product.objects.filter(pk__in_ids=p.ids)
        .exclude(stage="retire")
        .order_by()
        .values_list("id", "tier", "stage", "build_team__slug", "run_team__slug", "tags")
    )
)


def severity_source(product_ids: Sequence[int], now: datetime) -> dict[int, dict[str, str]]:
    """For the readiness gates: each active campaign's criteria with ``enforce_from``,
    advisory for its selected products before that day, blocking from it on."""
    today = timezone.localtime(now).date()
    out: dict[int, dict[str, str]] = {}
    enforcing = [
        (enforce, selection or {})
        for criteria, selection in _ACTIVE_CAMPAIGNS.rows()
        if (enforce := _enforce_dates(criteria))
    ]
    if not enforcing:
        return out
    products = _SELECTABLE.rows(ids=list(product_ids))
    for enforce, sel in enforcing:
        for pid, tier, stage, build_team, run_team, tags in products:
            if not _selects(sel, teams=(build_team, run_team), tags=tags, tier=tier, stage=stage):
                continue
            per = out.setdefault(pid, {})
            for cid, day in enforce.items():
                # Blocking wins when two campaigns disagree about the same criterion.
                if per.get(cid) != "blocking":
                    per[cid] = "blocking" if today >= day else "advisory"
    return out


def send_reminders(*, now: datetime | None = None) -> list[Reminder]:
    """14 and 3 days before the target, tell both leads of every selected product that
    still fails a criterion (once per product and threshold; on the day of the smallest
    threshold reached, so a late launch does not send both at once)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    sent: list[Reminder] = []
    for campaign in Campaign.objects.filter(status=Campaign.Status.ACTIVE, target__gte=today):
        left = (campaign.target - today).days
        due = [d for d in sorted(REMINDER_DAYS) if left <= d]
        if not due:
            continue
        days_before = due[0]
        for row in status(campaign, now=now):
            if not row.failing:
                continue
            reminder, created = Reminder.objects.get_or_create(
                campaign=campaign,
                product=row.product,
                days_before=days_before,
                defaults={"sent_at": now, "failing": row.failing},
            )
            if not created:
                continue
            _notify_leads(campaign, row, days_before=days_before, left=left, now=now)
            sent.append(reminder)
    return sent


def _notify_leads(
    campaign: Campaign, row: ProductStatus, *, days_before: int, left: int, now: datetime
) -> None:

    notify(
        event="campaign.reminder",
        product=row.product,
        actor=Actor.task("campaigns.reminders"),
        subject={
            "campaign": campaign.name,
            "target": campaign.target.isoformat(),
            "days_left": left,
            "failing": ", ".join(row.failing),
        },
        url=f"/campaigns/{campaign.slug}/",
        key=f"campaign:{campaign.pk}:{row.product.pk}:{days_before}",
        now=now,
    )


def campaign_dict(campaign: Campaign, *, now: datetime | None = None) -> dict[str, Any]:
    rows = status(campaign, now=now)
    return {
        "slug": campaign.slug,
        "name": campaign.name,
        "standard": campaign.standard,
        "standard_version": campaign.standard_version,
        "criteria": [
            {"id": c["id"], "title": c.get("title") or c["id"], "enforce_from": c.get("enforce_from")}
            for c in campaign.criteria
        ],
        "selection": campaign.selection,
        "start": campaign.start.isoformat(),
        "target": campaign.target.isoformat(),
        "status": campaign.status,
        "products": [
            {"product": r.product.slug, "passing": r.passing, "failing": r.failing, "blocking": r.blocking}
            for r in rows
        ],
        "done": sum(1 for r in rows if r.done),
        "total": len(rows),
        "burnup": [{"day": p.day.isoformat(), "done": p.done, "scope": p.scope} for p in burnup(campaign)],
    }
