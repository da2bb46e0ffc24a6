"""The default standard's criteria on event facts decide the gates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from prodops.events import services
from prodops.events.records import Record
from prodops.readiness.services import product_readiness


def _status(readiness, criterion):
    return next(c.status for c in readiness.criteria if c.id == criterion)


@pytest.mark.django_db
def test_open_sev1_blocks_warranty_and_pages_per_shift_blocks_operate(make_product, actor):
    product = make_product("payments-api", stage="pilot", tier=1, integrations={"pagerduty_service": "P1"})
    now = timezone.now()
    opened = now - timedelta(hours=2)
    services.ingest(
        records=[
            (
                1,
                Record(
                    "incident", "prodops", "i1", {"opened_at": opened, "severity": 1}, product="payments-api"
                ),
            )
        ],
        actor=actor,
    )
    assert _status(product_readiness(product=product, gate="warranty"), "no-open-sev1-warranty") == "fail"
    services.ingest(
        records=[
            (
                1,
                Record(
                    "incident",
                    "prodops",
                    "i1",
                    {"opened_at": opened, "severity": 1, "resolved_at": now},
                    product="payments-api",
                ),
            )
        ],
        actor=actor,
    )
    assert _status(product_readiness(product=product, gate="warranty"), "no-open-sev1-warranty") == "pass"
    # 28 days x 2 shifts = 56 shifts; 120 pages = 2.14 per shift: over the SRE limit of 2.
    pages = [
        (
            i,
            Record(
                "page",
                "prodops",
                f"p{i}",
                {"triggered_at": now - timedelta(hours=5 * i + 1)},
                product="payments-api",
            ),
        )
        for i in range(120)
    ]
    services.ingest(records=pages, actor=actor)
    assert _status(product_readiness(product=product, gate="operate"), "pages-per-shift") == "fail"
