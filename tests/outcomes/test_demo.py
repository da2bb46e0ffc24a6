"""The demo: agreeing and disagreeing stakeholders, and a year of user-level usage."""

from __future__ import annotations

import random
from datetime import date

import pytest

from prodops.alignment import demo as alignment_demo
from prodops.alignment import services as alignment
from prodops.catalog import demo as catalog_demo
from prodops.catalog.models import Product
from prodops.events import demo as events_demo
from prodops.outcomes import demo as outcomes_demo
from prodops.outcomes import services as outcomes

TODAY = date(2026, 11, 1)


@pytest.mark.django_db
def test_demo_has_agreeing_and_disagreeing_products_and_a_year_of_usage(actor):
    rng = random.Random(42)
    catalog_demo.seed(actor=actor, today=TODAY, rng=rng)
    events_demo.seed(actor=actor, today=TODAY, rng=rng)
    alignment_demo.seed(actor=actor, today=TODAY, rng=rng)
    outcomes_demo.seed(actor=actor, today=TODAY, rng=rng)

    agree = alignment.summary(Product.objects.get(slug="checkout-web"))
    disagree = alignment.summary(Product.objects.get(slug="loyalty-app"))
    assert agree["w_corrected"] >= 0.5 and agree["p_value"] < 0.05
    assert disagree["w_corrected"] < 0.5
    payments = Product.objects.get(slug="payments-api")
    assert alignment.summary(payments)["round"]["number"] == 2
    assert alignment.summary(payments)["w_corrected"] > alignment.summary(payments, 1)["w_corrected"]

    kept = outcomes.outcomes(Product.objects.get(slug="checkout-web"), TODAY)
    lost = outcomes.outcomes(Product.objects.get(slug="catalog-search"), TODAY)
    assert kept["source"] == "user events" and kept["mau"] > 100
    assert kept["retention"]["d30"] > lost["retention"]["d30"]
    assert kept["csat"] is not None and kept["tickets_per_100_wau"] is not None
    first_week = kept["cohorts"][0]
    assert first_week["size"] > 0 and len(first_week["retention"]) == 12
