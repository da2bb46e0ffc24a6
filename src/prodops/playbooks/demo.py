"""Demo data for playbooks: the shipped playbooks applied, runs in progress (a handover
kickoff, a pilot launch, a warranty exit), a closed handover kickoff, and a new engineer
(Zoe) joining Storefront SRE with her onboarding plan under way."""

from __future__ import annotations

import contextlib
import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from prodops.catalog.models import Person, Product, Team
from prodops.core.actors import Actor
from prodops.core.errors import ProdOpsError
from prodops.playbooks import services
from prodops.playbooks.models import Playbook, Run

NEWCOMER = ("zoe.novak@acme.example.com", "Zoe Novak")


def _at(today: date, days_ago: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), time(hour, 0)))


def _as(person: Person) -> Actor:
    # The demo writes as a system actor labelled with the person, so the audit log and the
    # checklist show who did each step.
    return Actor(label=person.email, via="system")


def _do(run: Run, step_id: str, who: Person, when: datetime, note: str = "") -> None:
    # A step may be absent for this product (``when``) or not ready yet: then left open.
    with contextlib.suppress(ProdOpsError):
        services.do_step(actor=_as(who), run=run, step_id=step_id, now=when, note=note)


def seed(*, actor: Actor, today: date, rng: random.Random) -> None:
    services.apply_shipped(actor=actor)
    books = {p.slug: p for p in Playbook.objects.all()}
    products = {p.slug: p for p in Product.objects.select_related("build_lead", "run_lead")}

    def start(slug: str, product: str, days_ago: int) -> Run:
        return services.start_run(
            actor=actor, playbook=books[slug], product=products[product], now=_at(today, days_ago)
        )

    # A handover kickoff in progress for a product being planned.
    rec = products["recommendations"]
    run = start("handover-kickoff", "recommendations", 6)
    _do(run, "meet", rec.build_lead, _at(today, 4), note="Weekly 30 minutes, Tuesdays")
    _do(run, "run-lead-agrees", rec.run_lead, _at(today, 3))

    # A closed kickoff: every required step done, the definition of done held.
    fraud = products["fraud-scoring"]
    run = start("handover-kickoff", "fraud-scoring", 70)
    _do(run, "meet", fraud.build_lead, _at(today, 68))
    _do(run, "run-lead-agrees", fraud.run_lead, _at(today, 67))
    _do(run, "invite-run-team", fraud.build_lead, _at(today, 60))
    _do(run, "warranty", fraud.run_lead, _at(today, 45), note="30 to 120 days, 1 defect per 14 days")
    services.check_waits(run, now=_at(today, 44))
    for step in run.steps.filter(required=True).exclude(status__in=["done", "skipped"]):
        services.skip_step(
            actor=actor,
            run=run,
            step_id=step.step_id,
            reason="Covered in the kickoff workshop",
            now=_at(today, 44),
        )
    services.close_run(actor=_as(fraud.run_lead), run=run, now=_at(today, 43))

    # A pilot launch and a warranty exit in progress (started when the product entered the stage).
    run = start("pilot-launch", "loyalty-app", 9)
    _do(run, "pilot-users", products["loyalty-app"].build_lead, _at(today, 7))
    pay = products["payments-api"]
    run = start("warranty-exit", "payments-api", 12)
    _do(run, "walkthrough", pay.run_lead, _at(today, 10), note="Recorded, linked from the runbook")

    # A new engineer joins Storefront SRE: her onboarding plan, a third done.
    team = Team.objects.get(slug="storefront-sre")
    zoe, _ = Person.objects.get_or_create(email=NEWCOMER[0], defaults={"name": NEWCOMER[1]})
    team.members.add(zoe)
    run = services.start_run(
        actor=actor,
        playbook=books["onboarding"],
        team=team,
        subject=zoe,
        trigger="team.member_added",
        now=_at(today, 8),
    )
    buddy = run.buddy or zoe
    _do(run, "welcome", buddy, _at(today, 8, 15), note="Laptop, VPN, PagerDuty, Grafana")
    for step in run.steps.filter(step_id__startswith="read.").order_by("position")[:3]:
        _do(run, step.step_id, zoe, _at(today, 6))
