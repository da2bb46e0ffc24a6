"""Demo data for lifecycle: the stage history of every demo product (each past move
approved by both leads), one pending request and one refused one."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.lifecycle import services
from prodops.lifecycle.models import Approval, Transition
from prodops.readiness.services import get_standard


def seed(*, actor: Actor, today: date, rng: random.Random) -> None:
    products = list(Product.objects.select_related("build_lead", "run_lead").order_by("slug"))
    for product in products:
        stages = get_standard(product.standard).stages
        if product.stage not in stages:
            continue
        reached = stages.index(product.stage)
        day = today - timedelta(days=40 * reached + rng.randint(5, 30))
        for i in range(1, reached + 1):
            at = timezone.make_aware(datetime.combine(day, time(14, 0)))
            # History written directly: these moves predate ProdOps in the story, so no
            # evaluation snapshot exists for them (the snapshot field says so).
            t = Transition.objects.create(
                product=product,
                from_stage=stages[i - 1],
                to_stage=stages[i],
                kind=Transition.Kind.ADVANCE,
                status=Transition.Status.EXECUTED,
                requested_by=product.build_lead.email,
                requested_at=at - timedelta(days=2),
                decided_at=at,
                decided_by=product.run_lead.email,
                snapshot={"note": "recorded before ProdOps evaluated this product"},
            )
            Approval.objects.create(
                transition=t,
                role="build_lead",
                person=product.build_lead,
                actor=product.build_lead.email,
                at=at - timedelta(days=1),
            )
            Approval.objects.create(
                transition=t, role="run_lead", person=product.run_lead, actor=product.run_lead.email, at=at
            )
            day += timedelta(days=rng.randint(20, 60))
            day = min(day, today - timedelta(days=1))
    movable = [p for p in products if p.stage in {"build", "pilot"}]
    if movable:
        p = movable[0]
        nxt = get_standard(p.standard).next_stage(p.stage)
        if nxt:
            t = services.request_transition(
                actor=Actor.person(p.build_lead.email, "system"),
                product=p,
                to_stage=nxt,
                reason="Feature-complete; pilot cohort agreed with support.",
            )
            services.approve_transition(actor=Actor.person(p.build_lead.email, "system"), transition=t)
    if len(movable) > 1:
        p = movable[1]
        nxt = get_standard(p.standard).next_stage(p.stage)
        if nxt:
            lead_b = Actor.person(p.build_lead.email, "system")
            t = services.request_transition(
                actor=lead_b, product=p, to_stage=nxt, reason="Deadline next week."
            )
            services.reject_transition(
                actor=Actor.person(p.run_lead.email, "system"),
                transition=t,
                reason="Support has not been trained yet; the date does not open the gate.",
            )
