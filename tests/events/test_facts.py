"""The events fact providers (``open_work``, ``operating_load``) give each product the
same values in a batch as alone, at the window's edges too (``opened_at <= now``,
``since < at <= now``), share one query in a batch, and an empty batch reads nothing. The expected values are
counted here in Python from the rows created, not read from the providers."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from prodops.core.facts import FactContext
from prodops.events.facts import LOAD_DAYS, SEVERITIES, SHIFT_HOURS, open_work, operating_load
from prodops.events.models import Defect, Incident, Page, Ticket


def _portfolio(make_product: Any, count: int) -> tuple[list[int], Any, dict[int, dict[str, Any]]]:
    """``count`` products with incidents, defects, tickets and pages around the window's
    edges (microseconds included, which SQLite stores as text), and what each should give."""
    rng = random.Random(12)
    # Microseconds on purpose: SQLite compares datetimes as text.
    now = timezone.now().replace(microsecond=123456) - timedelta(days=3)
    since = now - timedelta(days=LOAD_DAYS)
    edges = [
        now,
        now + timedelta(microseconds=1),
        since,
        since + timedelta(microseconds=1),
        now - timedelta(days=1),
    ]
    ids, expected = [], {}
    for i in range(count):
        paging = i % 5 == 0
        product = make_product(f"p-{i}", integrations={"pagerduty": {"service": "P"}} if paging else {})
        incidents: Counter[int] = Counter()
        defects: Counter[str] = Counter()
        tickets = pages = recent_tickets = recent_pages = 0
        for k in range(rng.randrange(0, 5)):
            at, resolved = rng.choice(edges), rng.random() < 0.3
            severity = rng.randint(1, 4)
            Incident.objects.create(
                product=product,
                external_id=f"i{i}-{k}",
                severity=severity,
                opened_at=at,
                resolved_at=at if resolved else None,
            )
            if not resolved and at <= now:
                incidents[severity] += 1
        for k in range(rng.randrange(0, 5)):
            at, fixed = rng.choice(edges), rng.random() < 0.3
            severity = rng.choice(SEVERITIES)
            Defect.objects.create(
                product=product,
                external_id=f"d{i}-{k}",
                severity=severity,
                found_at=at,
                fixed_at=at if fixed else None,
            )
            if not fixed and at <= now:
                defects[severity] += 1
        for k in range(rng.randrange(0, 4)):
            at = rng.choice(edges)
            Ticket.objects.create(product=product, external_id=f"t{i}-{k}", opened_at=at)
            tickets += 1
            recent_tickets += since < at <= now
        for k in range(rng.randrange(0, 4)):
            at = rng.choice(edges)
            Page.objects.create(product=product, external_id=f"pg{i}-{k}", triggered_at=at)
            pages += 1
            recent_pages += since < at <= now
        by_severity = {s: defects[s] for s in SEVERITIES}
        values: dict[str, Any] = {
            "incidents.open_sev1": incidents[1],
            "incidents.open_sev2": incidents[2],
            "incidents.open": sum(incidents.values()),
            "defects.open_by_severity": by_severity,
            "defects.open_critical": by_severity["critical"],
            "defects.open_high": by_severity["high"],
        }
        if tickets:
            values["tickets.per_week"] = round(recent_tickets / (LOAD_DAYS / 7), 3)
        if pages or paging:
            values["oncall.pages_per_shift"] = round(recent_pages / (LOAD_DAYS * 24 / SHIFT_HOURS), 3)
        ids.append(product.pk)
        expected[product.pk] = values
    return ids, now, expected


def _both(ids: list[int], now: Any) -> dict[int, dict[str, Any]]:
    work, load = open_work(ids, now), operating_load(ids, now)
    return {pid: {**work[pid], **load[pid]} for pid in ids}


def test_a_batch_of_40_of_2_and_each_alone_give_the_counted_values(make_product):
    ids, now, expected = _portfolio(make_product, 40)
    assert any(v["incidents.open"] for v in expected.values())
    assert any(v.get("tickets.per_week") for v in expected.values())
    assert _both(ids, now) == expected
    assert _both(ids[:2], now) == {pid: expected[pid] for pid in ids[:2]}
    for pid in ids:
        assert _both([pid], now) == {pid: expected[pid]}


def test_both_providers_of_a_batch_share_one_query(make_product):
    ids, now, expected = _portfolio(make_product, 3)
    context = FactContext(ids, now)
    with CaptureQueriesContext(connection) as queries:
        work, load = open_work(ids, now, context), operating_load(ids, now, context)
    assert {pid: {**work[pid], **load[pid]} for pid in ids} == expected
    # The events' counts once, and the product rows (for the paging integrations).
    assert len(queries) == 2, [q["sql"] for q in queries]


def test_an_empty_batch_reads_nothing(db):
    with CaptureQueriesContext(connection) as queries:
        assert open_work([], timezone.now()) == {}
        assert operating_load([], timezone.now()) == {}
    assert len(queries) == 0
