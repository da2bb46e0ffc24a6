"""A fix one click away for every failing checklist row.

A rule criterion fails because of the facts it reads, so the fix is looked up per *fact*
(by the name its provider declares, e.g. ``docs.<kind>.count``): either a web form that
records the evidence, or the event source that computes it and how to connect it. An
attested criterion's fix is the attest form on its own row. ``FACT_FIXES`` is data: a
new fact that no entry names has no fix, and ``tests/web/test_fixes.py`` fails for every
criterion of the default standard that reads it, until it is mapped here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from prodops.catalog.models import Product
from prodops.core import facts as registry
from prodops.knowledge.models import Document, stale_before


@dataclass(frozen=True)
class FixTarget:
    """Where a fact's evidence is recorded: one of ``form`` (an evidence form name of
    ``web/evidence.py``), ``page`` (a product page anchor or a named page) or
    ``events`` (computed from events; ``source`` says from which and how to connect)."""

    label: str
    form: str = ""
    anchor: str = ""
    page: str = ""  # a URL name taking the product slug
    source: str = ""


EVENTS_HOW = "connect its webhook (docs/events.md) or run `prodops events import`"

FACT_FIXES: dict[str, FixTarget] = {
    "owners.complete": FixTarget("Edit the product's leads", page="web:product-edit"),
    "teams.build": FixTarget("Set the build team", page="web:product-edit"),
    "teams.run": FixTarget("Set the run team", page="web:product-edit"),
    "stakeholders.count": FixTarget("Add a stakeholder", form="stakeholder"),
    "product.links": FixTarget("Add a link", form="link"),
    "docs.<kind>.count": FixTarget("Add a document", form="document"),
    "docs.<kind>.fresh_count": FixTarget("Review the document", anchor="section-documents"),
    "docs.stale_count": FixTarget("Review the stale documents", anchor="section-documents"),
    "risks.open": FixTarget("Record a risk", anchor="section-risks"),
    "risks.unreviewed": FixTarget("Review the risks", anchor="section-risks"),
    "risks.open_high": FixTarget("Mitigate or accept the high risks", anchor="section-risks"),
    "slo.count": FixTarget("Add an SLO", form="slo"),
    "oncall.rotation": FixTarget("Name the on-call rotation", form="oncall"),
    "oncall.team_size": FixTarget("Add members to the run team", page="web:product-edit"),
    "oncall.by_run_team": FixTarget("Give the on-call rotation to the run team", form="oncall"),
    "training.coverage": FixTarget("Record a training session", form="training"),
    "training.sessions": FixTarget("Record a training session", form="training"),
    "support.signoff_coverage": FixTarget(
        "Ask run team members to click “I can support this”", anchor="training"
    ),
    "support.utilization": FixTarget("Estimate the support load", form="support-estimate"),
    "support.load_hours": FixTarget("Estimate the support load", form="support-estimate"),
    "known_errors.without_workaround": FixTarget(
        "Add the missing workarounds", anchor="section-known-errors"
    ),
    "known_errors.open": FixTarget("Resolve known errors", anchor="section-known-errors"),
    "incidents.open_sev1": FixTarget(
        "Resolve the incident", source=f"incident events (PagerDuty, Opsgenie, GitHub): {EVENTS_HOW}"
    ),
    "incidents.open_sev2": FixTarget(
        "Resolve the incident", source=f"incident events (PagerDuty, Opsgenie, GitHub): {EVENTS_HOW}"
    ),
    "defects.open_critical": FixTarget(
        "Fix the defect", source=f"defect events (GitHub, GitLab, Jira issues): {EVENTS_HOW}"
    ),
    "oncall.pages_per_shift": FixTarget(
        "Reduce pages", source=f"page events of the on-call tool (PagerDuty, Opsgenie): {EVENTS_HOW}"
    ),
    "dora.change_failure_rate": FixTarget(
        "Look at the failed deployments", source=f"deployment and incident events: {EVENTS_HOW}"
    ),
    # The alignment survey has no web form yet: each function answers over the API.
    **dict.fromkeys(
        ("alignment.w", "alignment.p_value", "alignment.responses", "alignment.functions"),
        FixTarget(
            "Ask each function to answer the alignment survey",
            source="the alignment survey's answers (POST /api/v1/products/SLUG/alignment/responses, "
            "one per person; `prodops alignment SLUG` shows Kendall's W)",
        ),
    ),
    # The pilot page has the plan form (the same format as the config file's `pilot`
    # section), observations, feedback and the leads' decision.
    **dict.fromkeys(
        (
            "pilot.criteria_total",
            "pilot.criteria_passing",
            "pilot.criteria_failing",
            "pilot.criteria_inconclusive",
            "pilot.criteria_no_data",
            "pilot.blocking_not_passed",
            "pilot.days_run",
            "pilot.min_days",
            "pilot.exposed_share",
            "pilot.feedback_score",
            "pilot.decision",
        ),
        FixTarget("Open the pilot: plan, observations, decision", page="pilots:pilot"),
    ),
    "warranty.exit_met": FixTarget(
        "See the warranty forecast",
        source=f"defects and incidents since go-live, against the warranty policy: {EVENTS_HOW}",
    ),
    "warranty.forecast_end": FixTarget(
        "See the warranty forecast",
        source=f"defects and incidents since go-live, against the warranty policy: {EVENTS_HOW}",
    ),
}


def target_for_fact(name: str) -> tuple[FixTarget, str] | None:
    """The fix of a concrete fact name and the value of its ``<placeholder>`` (e.g. the
    document kind of ``docs.runbook.count``), or None when nothing records it."""

    spec = registry.spec_for(name)
    key = spec.name if spec is not None else name
    target = FACT_FIXES.get(key) or FACT_FIXES.get(name)
    if target is None:
        return None
    placeholder = ""
    if spec is not None and "<" in spec.name:
        parts, given = spec.name.split("."), name.split(".")
        placeholder = next((g for p, g in zip(parts, given, strict=False) if p.startswith("<")), "")
    return target, placeholder


@dataclass(frozen=True)
class Fix:
    label: str
    url: str = ""
    source: str = ""  # for facts computed from events: which source, how to connect it


def _stale_document(product: Product, kind: str) -> Any:

    docs = Document.objects.filter(product=product)
    if kind:
        docs = docs.filter(kind=kind)
    cutoff = stale_before(timezone.localdate())
    return docs.filter(reviewed__isnull=True).first() or docs.filter(reviewed__lt=cutoff).first()


def fix_for(product: Product, facts: tuple[str, ...]) -> list[Fix]:
    """The fixes of a failing rule criterion that reads ``facts`` (one per target)."""
    product_url = reverse("web:product", args=[product.slug])
    out: list[Fix] = []
    seen: set[tuple[str, str]] = set()
    for name in facts:
        found = target_for_fact(name)
        if found is None:
            continue
        target, placeholder = found
        if (target.label, placeholder) in seen:
            continue
        seen.add((target.label, placeholder))
        if target.source:
            out.append(Fix(target.label, source=target.source.replace("SLUG", product.slug)))
        elif target.form:
            url = reverse("web:evidence", args=[product.slug, target.form])
            label = target.label
            if target.form == "document" and placeholder:
                url += f"?kind={placeholder}"
                label = f"Add a {placeholder.replace('_', ' ')} document"
            out.append(Fix(label, url=url))
        elif target.page:
            out.append(Fix(target.label, url=reverse(target.page, args=[product.slug])))
        else:
            url = f"{product_url}#{target.anchor}"
            if target.anchor == "section-documents":
                stale = _stale_document(product, placeholder)
                if stale is not None:
                    url = reverse("web:document", args=[product.slug, stale.pk])
                    label = f"Review {stale.title}"
                    out.append(Fix(label, url=url))
                    continue
            out.append(Fix(target.label, url=url))
    return out
