"""The handover pack: everything the run team needs to accept a product, as one data
structure (``build_pack``), rendered as Markdown, HTML or PDF (``render``).

The pack reads other apps' data where it exists (readiness results and waivers, live
defects) and leaves those parts out when an app is not installed, so the knowledge app
does not depend on them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.template.loader import render_to_string
from django.utils import timezone

from prodops.catalog.models import Product
from prodops.core import facts as fact_registry
from prodops.knowledge.models import Document, SupportSignoff, TrainingSession
from prodops.readiness import services as readiness_services
from prodops.risks.models import KnownError, Risk
from prodops.warranty.services import WarrantyError, assess_product, decided_by_text

log = logging.getLogger(__name__)

FORMATS = ("md", "html", "pdf")
# The run team reads the runbook first; then how it is built; then what it is for.
KIND_ORDER = {
    kind: i
    for i, kind in enumerate(
        ("runbook", "support_guide", "architecture", "design", "requirements", "user_guide", "faq")
    )
}
KIND_LABELS = {"faq": "FAQ", "support_guide": "Support guide", "user_guide": "User guide"}
CONTENT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


@dataclass
class Pack:
    product: dict[str, Any]
    generated_at: datetime
    owners: dict[str, Any]
    readiness: dict[str, Any] | None
    waivers: list[dict[str, Any]]
    slos: list[dict[str, Any]]
    oncall: dict[str, Any]
    documents: list[dict[str, Any]]
    risks: list[dict[str, Any]]
    known_errors: list[dict[str, Any]]
    training: list[dict[str, Any]]
    signoffs: list[dict[str, Any]]
    support: dict[str, Any]
    warranty: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    pilot: dict[str, Any] | None = None

    @property
    def oncall_items(self) -> list[dict[str, Any]]:
        labels = {"rotation": "Rotation", "team": "Team", "schedule_url": "Schedule"}
        return [
            {"label": labels.get(k, k.replace("_", " ").capitalize()), "value": v, "url": k.endswith("url")}
            for k, v in self.oncall.items()
            if v not in (None, "")
        ]


def _person(p: Any) -> dict[str, str] | None:
    if p is None:
        return None
    return {"name": p.name or p.email, "email": p.email}


def _team(team: Any) -> dict[str, Any] | None:
    if team is None:
        return None
    return {
        "slug": team.slug,
        "name": team.name,
        "capacity": team.capacity_hours_per_week,
        "members": [_person(m) for m in team.members.all().order_by("email")],
    }


def _duration_words(text: Any) -> str:
    """'14d' → '14 days'; anything else as given."""
    units = {"d": "day", "h": "hour", "w": "week"}
    value = str(text or "")
    if len(value) > 1 and value[:-1].isdigit() and value[-1] in units:
        n = int(value[:-1])
        return f"{n} {units[value[-1]]}{'' if n == 1 else 's'}"
    return value


def _warranty(product: Product) -> dict[str, Any]:
    policy = product.warranty or {}
    threshold = policy.get("threshold") or {}
    summary = ""
    if threshold:
        n = threshold.get("defects", "?")
        summary = f"{n} defect{'' if n == 1 else 's'} per {_duration_words(threshold.get('per', '?'))}"
    return {
        "defined": bool(policy),
        "threshold": summary,
        "min_days": policy.get("min_days"),
        "max_days": policy.get("max_days"),
        "severities": list(policy.get("severities") or []),
        "go_live": product.go_live,
        "verdict": _warranty_verdict(product),
    }


def _warranty_verdict(product: Product) -> dict[str, Any] | None:
    """The warranty app's verdict, the same one its panel and the ``warranty.exit_met``
    fact read (``assess_product``): exit met or not and why, the proposed end and what
    decided it."""

    if product.go_live is None:
        return None
    try:
        w = assess_product(product=product)
    except WarrantyError:
        return None
    return {
        "exit_met": w.exit_met,
        "exit_reason": w.exit_reason,
        "proposed_end": w.proposed_end,
        "decided_by": decided_by_text(w.decided_by),
    }


def _now_text(c: Any) -> str:
    if getattr(c, "kind", "") == "rule" and getattr(c, "value", None) is not None:
        return f"now {c.value}"
    return str(getattr(c, "message", "") or "")


def _readiness(product: Product, now: datetime, notes: list[str]) -> dict[str, Any] | None:
    try:
        result = readiness_services.product_readiness(product=product, now=now)
    except Exception as exc:  # the pack must still print when a standard is broken
        log.warning("handover: readiness of %s failed: %s", product.slug, exc)
        notes.append(f"Readiness could not be computed: {exc}")
        return None
    criteria = list(getattr(result, "criteria", []))
    failing = [
        {
            "id": c.id,
            "title": c.title,
            "gate": c.gate,
            "severity": c.severity,
            "status": c.status,
            "message": c.message,
            "fix": c.fix,
            # What the rule saw (e.g. utilization 0.9), or why an attestation is missing.
            "now": _now_text(c),
        }
        for c in criteria
        if c.status not in {"pass", "waived"}
    ]
    counts: dict[str, int] = {}
    for c in criteria:
        counts[c.status] = counts.get(c.status, 0) + 1
    return {
        "gate": result.gate,
        "ready": result.ready,
        "standard": f"{result.standard} v{result.standard_version}",
        "counts": counts,
        "failing": failing,
    }


def _waivers(product: Product, now: datetime, risk_refs: dict[str, str]) -> list[dict[str, Any]]:
    try:
        waiver_model = apps.get_model("readiness", "Waiver")
    except LookupError:
        return []
    out = []
    for w in waiver_model.objects.filter(product=product, revoked_at__isnull=True, expires_at__gt=now):
        risk = f"RISK-{w.risk_id}" if w.risk_id else ""
        out.append(
            {
                "criterion": w.criterion,
                "reason": w.reason,
                "expires": w.expires_at.date(),
                "signed": bool(getattr(w, "signed", False)),
                "risk": risk_refs.get(risk.upper(), risk),
            }
        )
    return out


def _pilot_decision(product: Product) -> dict[str, Any] | None:
    """The latest signed pilot decision with the evidence it was signed on (pilots app)."""
    try:
        decision_model = apps.get_model("pilots", "Decision")
    except LookupError:  # pragma: no cover - the pilots app is optional
        return None
    decision = (
        decision_model.objects.filter(product=product, status="signed")
        .prefetch_related("signatures")
        .order_by("-signed_at", "-id")
        .first()
    )
    if decision is None:
        return None
    snapshot = decision.snapshot or {}
    return {
        "outcome": decision.outcome,
        "reason": decision.reason,
        "signed_at": decision.signed_at,
        "signatures": [
            {"role": s.role.replace("_", " "), "by": s.actor, "override": s.override}
            for s in decision.signatures.all()
        ],
        "days_run": snapshot.get("days_run"),
        "criteria": snapshot.get("criteria", []),
    }


def build_pack(*, product: Product, now: datetime | None = None) -> Pack:
    """Everything in the handover pack of one product, as plain data."""

    now = now or timezone.now()
    today = now.date()
    notes: list[str] = []
    product = Product.objects.select_related("build_lead", "run_lead", "build_team", "run_team").get(
        pk=product.pk
    )
    values = fact_registry.compute([product.pk], now).get(product.pk, {})

    documents = [
        {
            "kind": d.kind,
            "kind_label": KIND_LABELS.get(d.kind, d.kind.replace("_", " ").capitalize()),
            "title": d.title,
            "url": d.url,
            "body": d.body,
            "owner": _person(d.owner),
            "reviewed": d.reviewed,
            "stale": d.is_stale(today),
        }
        for d in sorted(
            Document.objects.filter(product=product).select_related("owner"),
            key=lambda d: (KIND_ORDER.get(d.kind, len(KIND_ORDER)), d.kind, d.title),
        )
    ]
    risks = Risk.objects.filter(product=product).exclude(status=Risk.Status.CLOSED).select_related("owner")
    risk_refs: dict[str, str] = {}
    risk_rows = []
    for r in risks:
        risk_refs[str(r.pk)] = r.ref
        risk_refs[r.ref.upper()] = r.ref
        risk_rows.append(
            {
                "ref": r.ref,
                "title": r.title,
                "likelihood": r.likelihood,
                "impact": r.impact,
                "score": r.score,
                "high": r.score >= 15,
                "status": r.status,
                "owner": _person(r.owner),
                "mitigation": r.mitigation,
                "next_review": r.next_review,
                "overdue": r.next_review < today,
            }
        )
    known_errors = [
        {
            "ref": k.ref,
            "title": k.title,
            "symptom": k.symptom,
            "cause": k.cause,
            "workaround": k.workaround,
            "defect_id": k.defect_id,
        }
        for k in KnownError.objects.filter(product=product, status=KnownError.Status.OPEN)
    ]
    training = [
        {
            "topic": s.topic,
            "date": s.date,
            "held": s.date <= today,
            "trainer": _person(s.trainer),
            "attendees": [_person(p) for p in s.attendees.all().order_by("email")],
        }
        for s in TrainingSession.objects.filter(product=product)
        .select_related("trainer")
        .prefetch_related("attendees")
        .order_by("date", "topic")
    ]
    signoffs = [
        {
            "person": _person(s.person),
            "comment": s.comment,
            "signed_at": s.signed_at.date(),
            "active": s.active,
            "withdrawn_at": s.withdrawn_at.date() if s.withdrawn_at else None,
        }
        for s in SupportSignoff.objects.filter(product=product).select_related("person")
    ]
    estimate = getattr(product, "support_estimate", None)
    support = {
        "load_hours": estimate.hours_per_week if estimate else None,
        "basis": estimate.basis if estimate else "",
        "utilization": values.get("support.utilization"),
        "observed_hours": values.get("support.observed_hours"),
        "training_coverage": values.get("training.coverage"),
        "signoff_coverage": values.get("support.signoff_coverage"),
        "capacity": product.run_team.capacity_hours_per_week if product.run_team else None,
    }
    owners = {
        "build_lead": _person(product.build_lead),
        "run_lead": _person(product.run_lead),
        "build_team": _team(product.build_team),
        "run_team": _team(product.run_team),
        "stakeholders": [
            {"function": s.function, **(_person(s.person) or {})}
            for s in product.stakeholders.select_related("person").all()
        ],
    }
    waivers = _waivers(product, now, risk_refs)
    for row in risk_rows:
        row["waivers"] = [w for w in waivers if w["risk"] == row["ref"]]
    return Pack(
        product={
            "slug": product.slug,
            "name": product.name,
            "description": product.description,
            "tier": product.tier,
            "stage": product.stage,
            "standard": product.standard,
            "links": dict(product.links or {}),
        },
        generated_at=now,
        owners=owners,
        readiness=_readiness(product, now, notes),
        waivers=waivers,
        slos=[
            {
                "name": s.name,
                "objective": s.objective,
                "window": _duration_words(s.window),
                "description": s.description,
            }
            for s in product.slos.all()
        ],
        oncall=dict(product.oncall or {}),
        documents=documents,
        risks=risk_rows,
        known_errors=known_errors,
        training=training,
        signoffs=signoffs,
        support=support,
        warranty=_warranty(product),
        notes=notes,
        pilot=_pilot_decision(product),
    )


def render(pack: Pack, fmt: str) -> bytes:
    """The pack as Markdown, HTML or PDF bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    context = {"pack": pack, "today": pack.generated_at.date()}
    if fmt == "md":
        return render_to_string("knowledge/handover.md", context).encode()
    html = render_to_string("knowledge/handover.html", context)
    if fmt == "html":
        return html.encode()
    from weasyprint import HTML  # noqa: PLC0415 - heavy (Pango, fonts): loaded only for a PDF

    pdf = HTML(string=html, base_url=None).write_pdf()
    if pdf is None:  # only when writing to a target, which we never do
        raise RuntimeError("WeasyPrint returned no PDF")
    return bytes(pdf)


def pack_filename(pack: Pack, fmt: str) -> str:
    stamp: date = pack.generated_at.date()
    return f"{pack.product['slug']}-handover-{stamp.isoformat()}.{fmt}"
