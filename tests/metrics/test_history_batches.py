"""The DORA history read for a batch of products (prepared queries, with Django's row
converters) gives each product what the read of every product gives it (the rows as
the database sends them): both linkages, the pure module, batches of 20 (more than a
prepared query keeps compiled), 2 and 1, and an empty batch without a query."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prodops.events.models import Change, Deployment, Incident
from prodops.metrics import services

END = datetime(2026, 3, 31, 23, 59, 30, 500000, tzinfo=UTC)


@pytest.fixture
def ids(make_product):
    rng = random.Random(9)
    out = []
    for i in range(20):
        product = make_product(f"p-{i}")
        out.append(product.pk)
        shas = [f"{i:02d}{k:038x}" for k in range(8)]
        for k, sha in enumerate(shas):
            committed = END - timedelta(days=rng.uniform(0, 70), microseconds=rng.randrange(10**6))
            Change.objects.create(
                product=product, external_id=f"c{i}-{k}", sha=sha, committed_at=committed, push_sha=sha
            )
            Deployment.objects.create(
                product=product,
                external_id=f"d{i}-{k}",
                deployed_at=committed + timedelta(hours=rng.uniform(0, 50)),
                sha=sha,
                status=rng.choice(["success", "success", "failure"]),
                environment=rng.choice(["production", "production", "staging"]),
                rework=rng.random() < 0.3,
                additional_shas=rng.sample(shas, rng.randrange(0, 3)),
            )
        for k in range(rng.randrange(0, 3)):
            opened = END - timedelta(days=rng.uniform(0, 40))
            Incident.objects.create(
                product=product,
                external_id=f"i{i}-{k}",
                severity=2,
                opened_at=opened,
                resolved_at=opened + timedelta(hours=rng.uniform(1, 30)) if rng.random() < 0.7 else None,
                root_cause_sha=rng.choice(shas)[:10] if rng.random() < 0.3 else "",
            )
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("linkage", ["default", "fourkeys"])
def test_a_batch_reads_what_the_read_of_every_product_reads(ids, linkage):
    every = services.dora_for_products(product_ids=None, end=END, window_days=30, linkage=linkage, pure=True)
    assert set(every) == set(ids)
    assert any(r["deployments"] for r in every.values())
    for batch in (ids, ids[7:9], *([pid] for pid in ids)):
        found = services.dora_for_products(
            product_ids=batch, end=END, window_days=30, linkage=linkage, pure=True
        )
        assert found == {pid: every[pid] for pid in batch}


@pytest.mark.django_db
def test_an_empty_batch_reads_nothing():
    with CaptureQueriesContext(connection) as queries:
        assert services.dora_for_products(product_ids=[], end=END, window_days=30) == {}
        assert services.load_history([], since=END - timedelta(days=30), until=END).deployments == {}
    assert len(queries) == 0
