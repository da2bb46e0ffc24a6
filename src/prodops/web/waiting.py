"""What is waiting on the signed-in person: approvals to give, waivers to sign,
attestations due or expiring, documents to review and sign-offs asked of them.

Matched through the person's email (the Person the user is), like the policy's lead
roles. Read-only: each item links to the page where it is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from prodops.catalog.models import DEFAULT_STAGES, Product
from prodops.knowledge.models import Document, SupportSignoff, stale_before
from prodops.lifecycle.models import Transition
from prodops.readiness.models import Attestation, ProductEvaluation, Waiver
from prodops.readiness.services import get_standard

EXPIRING_WITHIN = timedelta(days=30)
# Stages in which the run team is asked to say "I can support this".
SIGNOFF_STAGES = ("build", "pilot", "warranty")


@dataclass(frozen=True)
class Item:
    kind: str  # approval | waiver | attestation | document | signoff
    product: Any
    text: str
    url: str
    when: datetime | None = None


@dataclass
class Waiting:
    approvals: list[Item] = field(default_factory=list)
    waivers: list[Item] = field(default_factory=list)
    attestations: list[Item] = field(default_factory=list)
    documents: list[Item] = field(default_factory=list)
    signoffs: list[Item] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(g) for g in self.groups().values())

    def groups(self) -> dict[str, list[Item]]:
        return {
            "Approvals to give": self.approvals,
            "Waivers to sign": self.waivers,
            "Attestations due or expiring": self.attestations,
            "Documents to review": self.documents,
            "Sign-offs asked of you": self.signoffs,
        }


def _product_url(product: Any, anchor: str = "") -> str:
    url = reverse("web:product", args=[product.slug])
    return f"{url}#{anchor}" if anchor else url


def _lead_roles(email: str, product: Any) -> set[str]:
    roles = set()
    if product.build_lead.email == email:
        roles.add("build_lead")
    if product.run_lead.email == email:
        roles.add("run_lead")
    return roles


def waiting_for(email: str, *, now: datetime | None = None) -> Waiting:

    out = Waiting()
    email = (email or "").strip().lower()
    if not email:
        return out
    now = now or timezone.now()
    led = {
        p.pk: p
        for p in Product.objects.filter(Q(build_lead__email=email) | Q(run_lead__email=email))
        .exclude(stage="retire")
        .select_related("build_lead", "run_lead")
    }

    pending = Transition.objects.filter(product_id__in=led, status=Transition.Status.PENDING)
    for t in pending.prefetch_related("approvals").order_by("requested_at"):
        product = led[t.product_id]
        missing = _lead_roles(email, product) - {a.role for a in t.approvals.all()}
        if missing:
            out.approvals.append(
                Item(
                    "approval",
                    product,
                    f"{t.from_stage} → {t.to_stage}",
                    _product_url(product),
                    t.requested_at,
                )
            )

    waivers = Waiver.objects.filter(product_id__in=led, revoked_at__isnull=True, expires_at__gt=now)
    for w in waivers.order_by("expires_at"):
        product = led[w.product_id]
        roles = _lead_roles(email, product)
        unsigned = ("build_lead" in roles and not w.build_lead_signed_at) or (
            "run_lead" in roles and not w.run_lead_signed_at
        )
        if unsigned:
            out.waivers.append(
                Item(
                    "waiver",
                    product,
                    f"waiver of {w.criterion}",
                    _product_url(product, "checklist"),
                    w.expires_at,
                )
            )

    # Attestations the person's lead role owes at the product's next gate, and their own
    # attestations that expire soon.
    evaluations = {
        e.product_id: e for e in ProductEvaluation.objects.filter(product_id__in=led).exclude(next_gate="")
    }
    for pid, evaluation in evaluations.items():
        product = led[pid]
        if evaluation.next_gate == DEFAULT_STAGES[-1]:
            continue  # retirement is a decision, not a gate anyone is waiting to pass
        roles = _lead_roles(email, product)
        try:
            standard = get_standard(product.standard)
        except Exception:
            continue
        gates = set(standard.gates_up_to(evaluation.next_gate))
        for cc in standard.for_tier(product.tier):
            crit = cc.criterion
            if crit.attest is None or crit.attest.role not in roles or crit.gate not in gates:
                continue
            status = (evaluation.results.get(crit.id) or {}).get("status")
            if status in {"fail", "unknown"}:
                out.attestations.append(
                    Item(
                        "attestation",
                        product,
                        f"attest {crit.id}: {crit.title}",
                        _product_url(product, f"criterion-{crit.id}"),
                    )
                )
    expiring = Attestation.objects.filter(
        product_id__in=led, expires_at__gt=now, expires_at__lte=now + EXPIRING_WITHIN
    ).order_by("expires_at")
    for a in expiring:
        product = led[a.product_id]
        if a.role in _lead_roles(email, product):
            out.attestations.append(
                Item(
                    "attestation",
                    product,
                    f"{a.criterion} expires",
                    _product_url(product, f"criterion-{a.criterion}"),
                    a.expires_at,
                )
            )

    cutoff = stale_before(timezone.localdate(now))
    stale = Document.objects.filter(owner__email=email).filter(
        Q(reviewed__isnull=True) | Q(reviewed__lt=cutoff)
    )
    for doc in stale.select_related("product").order_by("reviewed", "title"):
        out.documents.append(
            Item("document", doc.product, doc.title, reverse("web:document", args=[doc.product.slug, doc.pk]))
        )

    signed = set(
        SupportSignoff.objects.filter(person__email=email, withdrawn_at__isnull=True).values_list(
            "product_id", flat=True
        )
    )
    asked = Product.objects.filter(run_team__members__email=email, stage__in=SIGNOFF_STAGES).exclude(
        pk__in=signed
    )
    for product in asked.order_by("slug").distinct():
        out.signoffs.append(
            Item("signoff", product, "“I can support this”?", _product_url(product, "training"))
        )
    return out
