"""Demo: the loyalty app's pilot, with a criterion in every status (pass, fail,
inconclusive, no_data) and one judged against a control cohort, plus feedback."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.pilots import services

SLUG = "loyalty-app"


def seed(*, actor: Actor, today: date, rng: random.Random) -> None:
    product = Product.objects.filter(slug=SLUG).first()
    if product is None:
        return
    start = today - timedelta(days=21)
    services.set_plan(
        actor=actor,
        product=product,
        plan={
            "start": start,
            "min_days": 14,
            "cohorts": [
                {"name": "staff", "kind": "internal", "planned_size": 300},
                {"name": "members-nordics", "kind": "region", "planned_size": 5000},
                {"name": "control", "kind": "segment", "planned_size": 5000},
            ],
            "criteria": [
                # 2,980 of 3,000 launches: Wilson 95% lower limit 0.990 >= 0.95: pass.
                {"id": "app-launch-ok", "metric": "launch-ok", "kind": "proportion", "threshold": 0.95},
                # 930 of 1,000 checkouts: upper limit 0.944 < 0.99: fail.
                {
                    "id": "checkout-ok",
                    "metric": "checkout-ok",
                    "kind": "proportion",
                    "threshold": 0.99,
                    "min_sample": 100,
                },
                # 196 of 200 sessions crash-free: 0.950 to 0.992 straddles 0.98: inconclusive.
                {"id": "crash-free", "metric": "crash-free", "kind": "proportion", "threshold": 0.98},
                # 2 sync errors in 2,000 syncs, below the 10,000 needed: no_data.
                {
                    "id": "points-sync-errors",
                    "metric": "sync-errors",
                    "kind": "rate",
                    "per": 1000,
                    "threshold": 1,
                    "min_sample": 10000,
                },
                # Checkout against the control cohort: at most one point worse (Newcombe).
                {
                    "id": "checkout-vs-control",
                    "metric": "checkout-ok",
                    "kind": "proportion",
                    "compare": "control",
                    "max_worse": 0.01,
                },
            ],
        },
    )
    at = timezone.make_aware(datetime.combine(today - timedelta(days=1), time(9, 0)))
    rows: list[tuple[str, str, dict[str, Any]]] = [
        ("launch-ok", "staff", {"successes": 990, "trials": 1000, "users": 280}),
        ("launch-ok", "members-nordics", {"successes": 1990, "trials": 2000, "users": 3100}),
        ("checkout-ok", "members-nordics", {"successes": 930, "trials": 1000}),
        ("checkout-ok", "control", {"successes": 945, "trials": 1000}),
        ("crash-free", "staff", {"successes": 196, "trials": 200}),
        ("sync-errors", "members-nordics", {"count": 2, "exposure": 2000.0}),
    ]
    for metric, cohort, values in rows:
        services.record_observation(
            actor=actor, product=product, metric=metric, cohort=cohort, observed_at=at, source="api", **values
        )
    for rating, text in ((4, "Points show up at once, nice."), (2, "Checkout froze twice."), (5, "")):
        services.add_feedback(
            actor=actor, product=product, rating=rating, text=text, cohort="members-nordics"
        )
    # The two leads decide to extend the pilot (checkout fails, crashes are inconclusive):
    # proposed by the build lead and signed by the run lead, each acting for themself.
    build_lead = Actor.person(product.build_lead.email)
    run_lead = Actor.person(product.run_lead.email)
    decided = timezone.make_aware(datetime.combine(today - timedelta(days=1), time(16, 0)))
    decision = services.propose_decision(
        actor=build_lead,
        product=product,
        outcome="extend",
        reason="Checkout fails its 99% target and crash-free sessions are inconclusive: two more weeks.",
        now=decided,
    )
    services.sign_decision(actor=run_lead, decision=decision, now=decided + timedelta(hours=1))
