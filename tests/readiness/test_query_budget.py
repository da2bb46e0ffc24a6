"""Re-evaluating one product (the worker's task body) costs a fixed number of queries,
whatever the number of its documents, risks, events and people: the fact providers
share the product row and its teams (``FactContext``) and each reads its tables with a
fixed number of grouped queries. The budget is the count measured when the providers
were made to share (docs/performance.md, "Readiness: one product"); a new provider adds
its queries here on purpose, never one per record."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from prodops.catalog.models import SLO, Stakeholder, Team
from prodops.core import facts as registry
from prodops.events.models import Change, Defect, Deployment, Incident, Page, Ticket
from prodops.knowledge.models import Document, SupportEstimate, SupportSignoff, TrainingSession
from prodops.readiness import services
from prodops.readiness.models import Attestation, Waiver
from prodops.readiness.services import evaluate_products, reevaluate_pending, request_reevaluation
from prodops.risks.models import KnownError, Risk

# One product in the warranty stage (so the warranty model is fitted too), with a run
# team that has a capacity (so support utilisation asks who is still onboarding). Both
# counts include the SAVEPOINT and RELEASE of the task's transaction inside the test's;
# SQLite computes DORA from three reads, PostgreSQL counts it with two statements. It
# was 48 queries on PostgreSQL before the providers shared the product row, 33 before
# attestations, waivers and stage entries were read in one query and handback took the
# shared product row and teams, 30 before the providers' queries were merged further
# (support, events, outcomes, DORA) on 2026-11-30.
# "every": with every fact provider run (a standard that reads every fact); "default":
# the default standard, whose rules read no outcome or handback fact, so those
# providers are not run (readiness.services._providers_for).
BUDGET = {
    "every": {"sqlite": 24, "postgresql": 23},
    "default": {"sqlite": 22, "postgresql": 21},
}


@pytest.mark.parametrize("providers", ["default", "every"])
def test_one_product_re_evaluation_has_a_fixed_query_budget(
    make_product, make_person, monkeypatch, providers
):
    if providers == "every":
        monkeypatch.setattr(services, "_providers_for", lambda standards: registry.providers())
    now = timezone.now()
    run_team = Team.objects.create(slug="ops", name="Ops", kind="run", capacity_hours_per_week=80)
    build_team = Team.objects.create(slug="dev", name="Dev", kind="build")
    product = make_product(
        "payments-api",
        stage="warranty",
        go_live=date.today() - timedelta(days=30),
        run_team=run_team,
        build_team=build_team,
        oncall={"rotation": "primary", "team": "ops"},
        integrations={"pagerduty": {"service": "P1"}},
        facts={"coverage": 0.9},
    )
    SupportEstimate.objects.create(product=product, hours_per_week=10)
    SLO.objects.create(product=product, name="availability", objective=99.9)

    def add(i: int) -> None:
        person = make_person(f"p{i}@example.com")
        run_team.members.add(person)
        Stakeholder.objects.create(product=product, person=person, function=f"f{i}")
        Document.objects.create(product=product, kind="runbook", title=f"Doc {i}", url="https://x.example/d")
        session = TrainingSession.objects.create(product=product, topic=f"T{i}", date=date.today())
        session.attendees.add(person)
        SupportSignoff.objects.create(product=product, person=person, signed_at=now)
        Risk.objects.create(
            product=product,
            title=f"R{i}",
            likelihood=4,
            impact=4,
            next_review=date.today() - timedelta(days=1),
        )
        KnownError.objects.create(product=product, title=f"K{i}", symptom="slow")
        at = now - timedelta(days=i + 1)
        Incident.objects.create(product=product, external_id=f"i{i}", severity=1 + i % 2, opened_at=at)
        Defect.objects.create(product=product, external_id=f"d{i}", severity="high", found_at=at)
        Ticket.objects.create(product=product, external_id=f"t{i}", opened_at=at, handle_minutes=30)
        Page.objects.create(product=product, external_id=f"p{i}", triggered_at=at)
        Change.objects.create(product=product, external_id=f"c{i}", sha=f"{i:040x}", committed_at=at)
        Deployment.objects.create(
            product=product, external_id=f"dep{i}", deployed_at=at + timedelta(hours=1), sha=f"{i:040x}"
        )
        Attestation.objects.create(
            product=product,
            criterion=f"crit-{i}",
            role="run_lead",
            actor="bob@example.com",
            evidence_url="https://x.example/e",
            attested_at=now,
        )
        Waiver.objects.create(
            product=product,
            criterion=f"crit-{i}",
            reason="later",
            expires_at=now + timedelta(days=10),
            created_by="alice@example.com",
            created_at=now,
            build_lead_signed_by="alice@example.com",
            build_lead_signed_at=now,
            run_lead_signed_by="bob@example.com",
            run_lead_signed_at=now,
        )

    def queries() -> list[str]:
        """The queries of one re-evaluation whose result is already stored (what a
        change that moves no criterion costs; a status change adds its history rows)."""
        evaluate_products(product_ids=[product.pk])
        request_reevaluation(product_ids=[product.pk])
        with CaptureQueriesContext(connection) as ctx:
            assert reevaluate_pending(product_id=product.pk)
        return [q["sql"] for q in ctx.captured_queries]

    add(0)
    one = queries()
    for i in range(1, 6):
        add(i)
    six = queries()
    assert len(six) == len(one), six
    assert len(one) <= BUDGET[providers][connection.vendor], one
