"""Demo: the retrospective of a product's move into operate, held, with action items
(one done, one not done with its reason, one open and overdue)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from prodops.core.actors import Actor
from prodops.improvement import services
from prodops.improvement.models import Retrospective

SLUG = "order-management"


def seed(*, actor: Actor, today: date, rng: random.Random) -> None:
    retro = (
        Retrospective.objects.filter(product__slug=SLUG, trigger="operate").select_related("product").first()
        or Retrospective.objects.filter(trigger="operate").select_related("product").first()
    )
    if retro is None:
        return
    product = retro.product
    services.update_retrospective(
        actor=actor,
        retro=retro,
        went_well="Support trained two weeks before go-live; the runbook matched the system on day one.",
        to_change="Agree the warranty threshold before the pilot, not during it; load-test the batch import.",
        run_team_rating=4,
        run_team_feedback="We could support it from the first week. Alert noise was high at first.",
        hold=True,
        now=retro.opened_at + timedelta(days=9),
    )
    lead, run = product.build_lead.email, product.run_lead.email
    done = services.add_action(
        actor=actor,
        retro=retro,
        title="Tune the noisy disk alerts",
        owner=run,
        due=today - timedelta(days=20),
    )
    services.set_action_status(
        actor=actor, item=done, status="done", now=retro.opened_at + timedelta(days=12)
    )
    dropped = services.add_action(
        actor=actor,
        retro=retro,
        title="Add a canary stage to the pipeline",
        owner=lead,
        due=today + timedelta(days=30),
    )
    services.set_action_status(
        actor=actor,
        item=dropped,
        status="not_doing",
        reason="The platform team ships canaries for everyone in Q1.",
    )
    services.add_action(
        actor=actor,
        retro=retro,
        title="Load-test the nightly batch import",
        owner=lead,
        due=today - timedelta(days=5),
    )
