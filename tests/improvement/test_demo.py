"""The demo shows the later lifecycle: a pilot with a criterion in every status, an
operate product flagged for handback, and a held retrospective with action items."""

from __future__ import annotations

import random
from datetime import date

from django.utils import timezone

from prodops.core.actors import Actor
from prodops.improvement.models import Retrospective
from prodops.lifecycle.models import Transition

TODAY = timezone.localdate()


def test_demo_later_lifecycle(db):
    from prodops.catalog import demo as catalog_demo
    from prodops.handback import demo as handback_demo
    from prodops.handback.services import flagged
    from prodops.improvement import demo as improvement_demo
    from prodops.lifecycle import demo as lifecycle_demo
    from prodops.pilots import demo as pilots_demo
    from prodops.pilots.services import status_of

    actor, rng = Actor.system("demo"), random.Random(42)
    for module in (catalog_demo, lifecycle_demo, pilots_demo, handback_demo, improvement_demo):
        module.seed(actor=actor, today=TODAY, rng=rng)
    from prodops.catalog.models import Product

    status = status_of(Product.objects.get(slug="loyalty-app"))
    by_id = {c["id"]: c["status"] for c in status["criteria"]}
    assert {"pass", "fail", "inconclusive", "no_data"} <= set(by_id.values())
    assert by_id["app-launch-ok"] == "pass" and by_id["checkout-ok"] == "fail"
    assert by_id["crash-free"] == "inconclusive" and by_id["points-sync-errors"] == "no_data"
    # The leads' signed decision, each signing for themself, with its evidence snapshot.
    decision = status["decision"]
    assert decision["outcome"] == "extend" and decision["status"] == "signed", decision
    from prodops.pilots.models import Decision

    signed = Decision.objects.get(product__slug="loyalty-app", status="signed")
    assert signed.snapshot["criteria"]
    checkout = Product.objects.get(slug="checkout-web")
    watch = flagged()[checkout.pk]
    assert watch.proposal.kind == Transition.Kind.HANDBACK and watch.proposal.status == "pending"
    held = Retrospective.objects.get(status="held")
    assert held.trigger == "operate" and held.went_well
    assert sorted(held.actions.values_list("status", flat=True)) == ["done", "not_doing", "open"]
    assert held.actions.get(status="open").due < date.today()
