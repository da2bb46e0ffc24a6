"""The demo history, and the Goel-Okumoto sampler it uses for warranty defects."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pytest

from prodops.events import demo
from prodops.events.models import Defect, Deployment, Usage


def test_goel_okumoto_counts_match_the_mean_value_function():
    # Goel & Okumoto (1979): N(T) ~ Poisson(m(T)), m(T) = a (1 - e^(-bT)).
    rng = random.Random(7)
    a, b, days = 40.0, 0.03, 60.0
    counts = [len(demo.goel_okumoto_times(rng, a=a, b=b, days=days)) for _ in range(400)]
    expected = a * (1 - math.exp(-b * days))
    mean = sum(counts) / len(counts)
    # 400 Poisson draws: the standard error of the mean is sqrt(m / 400) ≈ 0.29.
    assert abs(mean - expected) < 4 * math.sqrt(expected / 400)


def test_goel_okumoto_arrivals_decrease():
    rng = random.Random(3)
    times = [x for _ in range(200) for x in demo.goel_okumoto_times(rng, a=40, b=0.03, days=90)]
    first, second = sum(1 for x in times if x < 45), sum(1 for x in times if x >= 45)
    # Expected ratio (1 - e^-1.35) / (e^-1.35 - e^-2.7) = e^1.35 ≈ 3.86.
    assert 3.3 < first / second < 4.5


@pytest.mark.django_db
def test_demo_seed_gives_a_warranty_product_a_defect_history(make_product, actor):
    today = date(2026, 11, 1)
    product = make_product("checkout", stage="warranty", tier=1, go_live=today - timedelta(days=60))
    make_product("idea", stage="plan")
    demo.seed(actor=actor, today=today, rng=random.Random(42))
    assert Deployment.objects.filter(product=product, environment="production").count() > 20
    assert Defect.objects.filter(product=product).count() > 10
    assert Usage.objects.filter(product=product).count() == 60
    assert Deployment.objects.filter(product__isnull=True).count() == 1  # the stray, unmapped
    assert not Deployment.objects.filter(product__slug="idea").exists()
