from __future__ import annotations

import random
from datetime import date

from prodops.audit.models import AuditEntry
from prodops.core.actors import Actor
from prodops.warranty import demo


def test_demo_gives_products_in_warranty_a_policy(db, make_product):
    bare = make_product("bare", stage="warranty", go_live=date(2026, 10, 1))
    agreed = make_product("agreed", stage="warranty", go_live=date(2026, 10, 1), warranty={"min_days": 10})
    building = make_product("building", stage="build")
    demo.seed(actor=Actor.system("demo"), today=date(2026, 11, 21), rng=random.Random(1))
    bare.refresh_from_db()
    agreed.refresh_from_db()
    building.refresh_from_db()
    assert bare.warranty["threshold"] == {"defects": 1, "per": "14d"}
    assert agreed.warranty == {"min_days": 10}
    assert building.warranty == {}
    assert AuditEntry.objects.filter(object_id=str(bare.pk), actor="demo").exists()
