"""Demo data: documents, training, support sign-offs and support estimates.

Products further along the lifecycle are more complete; a few gaps are left on purpose
(a stale runbook, a missing architecture document, a withdrawn sign-off, a run team
near its capacity) so that the readiness results of the demo show failures worth
looking at.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.knowledge import services

STAGE_RANK = {"plan": 0, "build": 1, "pilot": 2, "warranty": 3, "operate": 4, "retire": 5}

# kind → the first stage at which a product of the demo has one
DOC_FROM_STAGE = {
    "requirements": 0,
    "architecture": 1,
    "design": 1,
    "runbook": 2,
    "support_guide": 2,
    "faq": 3,
    "user_guide": 3,
}
DOC_TITLES = {
    "requirements": "{name} requirements",
    "architecture": "{name} architecture overview",
    "design": "{name} design notes",
    "runbook": "{name} runbook",
    "support_guide": "{name} support guide",
    "faq": "{name} support FAQ",
    "user_guide": "{name} user guide",
}
RUNBOOK_BODY = """# {name} runbook

## Health checks
1. Open the service dashboard and check the error rate (alert above 1% for 5 minutes).
2. Check the queue depth; above 10,000 messages, scale the workers out.

## Common procedures
- **Restart a stuck worker:** drain it from the load balancer, restart, re-enable.
- **Roll back a release:** redeploy the previous version from the pipeline.
  Data migrations are not reversible without the DBA.

## Escalation
Page the build team's on-call through the rotation when the runbook does not
resolve the incident within 30 minutes.
"""
TRAINING_TOPICS = [
    "Architecture walkthrough",
    "Runbook drill",
    "Known errors and workarounds",
    "Failover exercise",
]
# Expected support load as a share of the run team's weekly capacity, by stage. A pilot
# is estimated at full rollout, so a team that already runs two products in operation
# (60% of its week) goes past the standard's 0.85 limit when its pilot lands: the seeds'
# support team "already working 70+ hours a week".
LOAD_SHARE_BY_STAGE = {"build": 0.05, "pilot": 0.3, "warranty": 0.25, "operate": 0.3, "retire": 0.01}


def seed(*, actor: Actor, today: date, rng: random.Random) -> None:
    products = list(Product.objects.select_related("run_team", "build_lead", "run_lead").order_by("slug"))
    for index, product in enumerate(products):
        rank = STAGE_RANK.get(product.stage, 0)
        _documents(product, rank, index, actor=actor, today=today, rng=rng)
        members = list(product.run_team.members.order_by("email")) if product.run_team else []
        if rank >= 2 and members:
            _training_and_signoffs(product, rank, index, members, actor=actor, today=today, rng=rng)
        team = product.run_team
        if product.stage in LOAD_SHARE_BY_STAGE and team is not None and team.capacity_hours_per_week:
            hours = round(LOAD_SHARE_BY_STAGE[product.stage] * team.capacity_hours_per_week, 1)
            basis = {
                "build": "build lead's estimate",
                "pilot": "pilot tickets scaled to full rollout",
            }.get(product.stage, "last quarter's tickets and incidents")
            services.set_support_estimate(actor=actor, product=product, hours_per_week=hours, basis=basis)


def _documents(
    product: Product, rank: int, index: int, *, actor: Actor, today: date, rng: random.Random
) -> None:
    for kind, from_rank in DOC_FROM_STAGE.items():
        if rank < from_rank:
            continue
        # Gaps on purpose: every third product past build lacks an architecture document.
        if kind == "architecture" and rank >= 2 and index % 3 == 1:
            continue
        reviewed = today - timedelta(days=rng.randint(5, 120))
        if product.stage == "retire" or (kind == "runbook" and index % 4 == 2):
            reviewed = today - timedelta(days=rng.randint(200, 400))  # stale
        owner = product.run_lead if kind in {"runbook", "support_guide", "faq"} else product.build_lead
        title = DOC_TITLES[kind].format(name=product.name)
        slug = product.slug
        if kind == "runbook" and index % 2 == 0:
            services.create_document(
                actor=actor,
                product=product,
                kind=kind,
                title=title,
                body=RUNBOOK_BODY.format(name=product.name),
                owner_email=owner.email,
                reviewed=reviewed,
            )
        else:
            services.create_document(
                actor=actor,
                product=product,
                kind=kind,
                title=title,
                url=f"https://wiki.example.com/{slug}/{kind.replace('_', '-')}",
                owner_email=owner.email,
                reviewed=reviewed,
            )


def _training_and_signoffs(
    product: Product, rank: int, index: int, members: list, *, actor: Actor, today: date, rng: random.Random
) -> None:
    # Pilot products have trained part of the run team; later stages all of it.
    trained = members if rank >= 3 else members[: max(1, len(members) // 2)]
    sessions = 1 if rank == 2 else 2
    for n in range(sessions):
        attendees = trained if n == 0 else rng.sample(trained, k=max(1, len(trained) // 2))
        services.record_training(
            actor=actor,
            product=product,
            topic=TRAINING_TOPICS[(index + n) % len(TRAINING_TOPICS)],
            date=today - timedelta(days=rng.randint(10, 60) + 30 * n),
            trainer_email=product.build_lead.email,
            attendee_emails=[p.email for p in attendees],
        )
    if rank == 2:  # the next session is planned, not held: it does not count yet
        services.record_training(
            actor=actor,
            product=product,
            topic="Failover exercise",
            date=today + timedelta(days=14),
            trainer_email=product.build_lead.email,
            attendee_emails=[p.email for p in members],
        )
    for person in trained:
        services.sign_support(
            actor=Actor.person(person.email, "system"),
            product=product,
            person_email=person.email,
            comment="Trained; the runbook covers what I need.",
        )
    if rank == 3 and len(trained) > 1 and index % 2 == 1:
        services.withdraw_support(
            actor=Actor.person(trained[-1].email, "system"),
            product=product,
            person_email=trained[-1].email,
            comment="Withdrawn until the duplicate-charge known error has a workaround.",
        )
