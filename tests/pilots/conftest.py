from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from tests.readiness.conftest import make_actor, people  # noqa: F401 - shared fixtures
from tests.web.conftest import make_user, personas  # noqa: F401 - shared fixtures

PLAN: dict[str, Any] = {
    "start": "2026-11-01",
    "min_days": 14,
    "cohorts": [
        {"name": "staff", "kind": "internal", "planned_size": 1000},
        {"name": "control", "kind": "segment", "planned_size": 1000},
    ],
    "criteria": [
        {
            "id": "checkout-ok",
            "metric": "checkout-ok",
            "kind": "proportion",
            "threshold": 0.95,
            "min_sample": 100,
        },
        {"id": "incidents", "metric": "incidents", "kind": "rate", "per": 1000, "threshold": 2},
        {
            "id": "vs-control",
            "metric": "checkout-ok",
            "kind": "proportion",
            "compare": "control",
            "max_worse": 0.01,
        },
    ],
}
TODAY = date(2026, 11, 30)


@pytest.fixture
def pilot_product(db: Any, make_product: Callable[..., Any], actor: Any) -> Any:
    from prodops.pilots import services

    product = make_product("shop", stage="pilot", tier=2)
    services.set_plan(actor=actor, product=product, plan=PLAN)
    return product
