"""The alignment facts give each product the same values in a batch (of 20, more than a
prepared query keeps compiled, and of 2) as alone, from its latest round's current
answers only, as the survey summary computes them; an empty batch reads nothing."""

from __future__ import annotations

import random

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from prodops.alignment import services
from prodops.alignment.facts import alignment_facts
from prodops.alignment.models import ITEMS, Response, Round

FUNCTIONS = ("sales", "design", "support", "analytics")


def test_batches_and_each_product_alone_agree_with_the_summary(make_product, make_person):
    rng = random.Random(7)
    now = timezone.now()
    people = [make_person(f"s{i}@example.com") for i in range(4)]
    products = [make_product(f"p-{i}") for i in range(20)]
    for i, product in enumerate(products):
        for number in range(1, i % 3 + 1):  # 0, 1 or 2 rounds
            rnd = Round.objects.create(product=product, number=number, stage="build", opened_at=now)
            for k, person in enumerate(people[: rng.randrange(0, 5)]):
                ranks = rng.sample(range(1, 5), 4)
                Response.objects.create(
                    round=rnd,
                    person=person,
                    function=FUNCTIONS[k % (1 + i % 4)],
                    ranking=dict(zip(ITEMS, ranks, strict=True)),
                    answered_at=now,
                    current=rng.random() < 0.8,
                )
    ids = [p.pk for p in products]
    expected = {}
    for product in products:
        latest = Round.objects.filter(product=product).order_by("-number").first()
        answers = list(Response.objects.filter(round=latest, current=True)) if latest else []
        values = {
            "alignment.responses": len(answers),
            "alignment.functions": len({a.function for a in answers}),
        }
        if len(answers) >= 2:
            summary = services.summary(product)
            if summary["w_corrected"] is not None:
                values["alignment.w"] = summary["w_corrected"]
        expected[product.pk] = values
    assert any("alignment.w" in v for v in expected.values())

    def without_p(found):
        return {
            pid: {k: v for k, v in values.items() if k != "alignment.p_value"}
            for pid, values in found.items()
        }

    batch = alignment_facts(ids, now)
    assert without_p(batch) == expected
    assert all(("alignment.p_value" in v) == ("alignment.w" in v) for v in batch.values())
    assert alignment_facts(ids[4:6], now) == {pid: batch[pid] for pid in ids[4:6]}
    for pid in ids:
        assert alignment_facts([pid], now) == {pid: batch[pid]}


def test_an_empty_batch_reads_nothing(db):
    with CaptureQueriesContext(connection) as queries:
        assert alignment_facts([], timezone.now()) == {}
    assert len(queries) == 0
