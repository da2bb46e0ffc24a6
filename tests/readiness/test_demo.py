"""The demo seeders of readiness and lifecycle leave a lived-in, consistent portfolio."""

import random

from django.utils import timezone

from prodops.catalog.models import Product
from prodops.lifecycle.models import Transition
from prodops.notifications.models import Notification
from prodops.readiness.models import Attestation, ProductEvaluation, Standard, Waiver
from prodops.readiness.services import evaluate_products


def test_demo_seeders(make_product, actor):
    from prodops.lifecycle import demo as lifecycle_demo
    from prodops.readiness import demo as readiness_demo

    for i, stage in enumerate(["build", "pilot", "warranty", "operate"]):
        make_product(f"p{i}", stage=stage, tier=1 + i % 3)
    today = timezone.localdate()
    readiness_demo.seed(actor=actor, today=today, rng=random.Random(1))
    lifecycle_demo.seed(actor=actor, today=today, rng=random.Random(1))
    # The seeder stores no evaluation (later apps' demos still add facts): `load_demo`
    # evaluates once every app has seeded, as here.
    assert not ProductEvaluation.objects.exists()
    evaluate_products()
    assert ProductEvaluation.objects.count() == 4
    # The packaged default is applied, so `prodops check` reports it as version 1, not v0.
    assert Standard.objects.get(slug="default").version == 1
    assert set(ProductEvaluation.objects.values_list("standard_version", flat=True)) == {1}
    assert Attestation.objects.filter(override=False).exists()
    assert Waiver.objects.filter(build_lead_signed_at__isnull=False).exists()
    executed = Transition.objects.filter(status="executed")
    assert executed.filter(product__slug="p3").count() == 4  # plan → build → pilot → warranty → operate
    assert all(t.decided_at.date() <= today for t in executed)
    assert Transition.objects.filter(status="pending").count() == 1
    assert Transition.objects.filter(status="refused").count() == 1


def test_a_fresh_demo_reports_no_regression(db, worker_once, settings):
    """The whole demo, then the worker's first run (what `prodops demo` does).

    `criterion.regressed` means a blocking criterion of a passed gate went from pass or
    waived to failing. Nothing in the demo's story regresses: every product's data is
    seeded as it stands today, and ProdOps evaluates it for the first time after the
    seeding, so the number intended is 0. Before the fix the readiness demo stored an
    evaluation half-way (before documents, risks, known errors and pages existed), and
    the first run reported 8 regressions (34 emails of 88)."""
    from prodops.web.management.commands.demo import load_demo

    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # what the demo uses
    load_demo(seed=42, today=timezone.localdate(), log=lambda *_: None)
    products = Product.objects.count()
    assert products > 0
    # The demo still stores every product's evaluation (the portfolio view reads it).
    assert ProductEvaluation.objects.count() == products
    out = worker_once()
    assert Notification.objects.filter(event="criterion.regressed").count() == 0
    assert "Criterion regressed" not in out
    # The notifications the demo means to show are still sent.
    assert Notification.objects.filter(event="transition.requested").exists()
    assert Notification.objects.filter(event="waiver.expiring").exists()
    assert "Subject: [ProdOps] Transition requested" in out
    assert "Subject: [ProdOps] Waiver expiring" in out
