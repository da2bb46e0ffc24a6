"""The demo seeders of readiness and lifecycle leave a lived-in, consistent portfolio."""

import random

from django.utils import timezone

from prodops.lifecycle.models import Transition
from prodops.readiness.models import Attestation, ProductEvaluation, Standard, Waiver


def test_demo_seeders(make_product, actor):
    from prodops.lifecycle import demo as lifecycle_demo
    from prodops.readiness import demo as readiness_demo

    for i, stage in enumerate(["build", "pilot", "warranty", "operate"]):
        make_product(f"p{i}", stage=stage, tier=1 + i % 3)
    today = timezone.localdate()
    readiness_demo.seed(actor=actor, today=today, rng=random.Random(1))
    lifecycle_demo.seed(actor=actor, today=today, rng=random.Random(1))
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
