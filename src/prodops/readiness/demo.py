"""Demo data for readiness: attestations, waivers, and stored evaluations, so that the
demo portfolio looks lived-in. Runs after the catalog's demo (app order). It stores no
evaluation: later apps' demos still add facts (documents, risks, known errors, pages...),
and a result stored now would be "passing" for criteria those facts then fail, which the
first re-evaluation reports as ``criterion.regressed``. ``load_demo`` evaluates the
portfolio once, after every app's demo has seeded."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.readiness import services
from prodops.risks.services import create_risk

EVIDENCE = "https://wiki.example.com/{slug}/{criterion}"


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def lead(product: Product, role: str) -> Actor:
    person = product.build_lead if role == "build_lead" else product.run_lead
    return Actor.person(person.email, "system")


def seed(*, actor: Actor, today: date, rng: random.Random) -> None:
    # A real installation applies its standard (``prodops apply -f``); the demo applies the
    # packaged default the same way, so it is a stored, versioned standard (v1), not the
    # unapplied fallback (v0).
    doc = services.default_standard_document()
    services.apply_standard(
        actor=actor, slug=doc["metadata"]["slug"], name=doc["metadata"]["name"], spec=doc["spec"]
    )
    products = list(Product.objects.select_related("build_lead", "run_lead").order_by("slug"))
    if not products:
        return
    for product in products:
        standard = services.get_standard(product.standard)
        stage_index = standard.stages.index(product.stage) if product.stage in standard.stages else 0
        # Attest the criteria of every gate the product has passed, and some of the next.
        for cc in standard.criteria:
            crit = cc.criterion
            if crit.attest is None or crit.attest.role not in {"build_lead", "run_lead"}:
                continue
            gate_index = standard.stages.index(crit.gate)
            if gate_index > stage_index + 1 or (gate_index == stage_index + 1 and rng.random() < 0.5):
                continue
            days_ago = rng.randint(3, 80)
            services.attest(
                actor=lead(product, crit.attest.role),
                product=product,
                criterion_id=crit.id,
                evidence_url=EVIDENCE.format(slug=product.slug, criterion=crit.id),
                comment="Reviewed together with the other lead.",
                now=_at(today - timedelta(days=days_ago)),
            )
    # A few waivers, signed by both leads: one ends within two weeks, one is only proposed.
    candidates = [p for p in products if p.stage in {"build", "pilot", "warranty"}]
    rng.shuffle(candidates)
    # (criterion, reason, days, the risk it accepts or None)
    vendor_risk = ("Vendor payment API times out under peak load", "Retry with backoff; vendor fix scheduled")
    plans: list[tuple[str, str, int, tuple[str, str] | None]] = [
        (
            "support-capacity",
            "Two support engineers join next month; the build team covers until then.",
            10,
            None,
        ),
        (
            "no-open-high-risks",
            "Vendor fix for the payment timeout is scheduled; risk accepted until then.",
            45,
            vendor_risk,
        ),
        (
            "backup-restore-tested",
            "Restore test booked with the DBA team for the next maintenance window.",
            60,
            None,
        ),
    ]
    now = _at(today)
    for (criterion, reason, days, accepted), product in zip(plans, candidates, strict=False):
        if criterion not in services.get_standard(product.standard).by_id:
            continue
        risk = None
        if accepted is not None:
            # A waiver of a risk criterion names the risk it accepts, in the register.
            risk = create_risk(
                actor=lead(product, "run_lead"),
                product=product,
                title=accepted[0],
                likelihood=3,
                impact=5,
                mitigation=accepted[1],
                status="accepted",
                next_review=today + timedelta(days=days),
            )
        waiver = services.create_waiver(
            actor=lead(product, "build_lead"),
            product=product,
            criterion_id=criterion,
            reason=reason,
            expires_at=now + timedelta(days=days),
            risk=risk.pk if risk is not None else None,
            now=now - timedelta(days=2),
        )
        if days < 60:
            services.sign_waiver(actor=lead(product, "run_lead"), waiver=waiver, now=now - timedelta(days=1))
