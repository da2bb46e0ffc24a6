"""Process metrics on a fixed history, hand-computed (definitions in docs/lifecycle.md).

Products a and b are built by team web, c has no build team. Days from D0:

  a: build D0, pilot D10, warranty refused D20, warranty D25 (one criterion waived), operate D55
  b: build D0, pilot D4, warranty D12, operate D40
  c: build D0, pilot D30

Time in stage (days): build [10, 4, 30]: median 10, p90 (nearest rank, 3rd of 3) 30;
pilot [15, 8]: median 11.5, p90 15; warranty [30, 28]: median 29, p90 30.
First pass: build 3/3, pilot 3/3, warranty 1/2 (a was refused first), operate 2/2.
Waiver rate: 1 of 10 executed advances. In force at D160: a's waiver (created D20, signed
by both, expires D200): median age 140; b's (one signature) is not in force.
Warranty forecast error: a forecast D50, ended D55 (+5); b forecast D45, ended D40 (-5):
median |error| 5, mean signed 0.
Early life (now D160): a entered operate D55, incidents D56 and D100 count, D150 is 95 days
after (out); b entered D40, incident D41: total 3, median per product 1.5.
Action items: done D65 due D70 (on time), not doing D90 due D80 (late), open due D100
(overdue, counted late), open due D200 (not yet due): 1 of 3 on time.
Retrospectives: four transitions open one (a and b into warranty and operate); a's
warranty retrospective was held: coverage 1/4.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from prodops.catalog.models import Team
from prodops.events.models import Incident
from prodops.improvement import services
from prodops.improvement.models import ActionItem, Retrospective
from prodops.lifecycle.models import Transition
from prodops.readiness.models import Waiver

D0 = datetime(2026, 1, 1, 10, tzinfo=UTC)


def d(n: float) -> datetime:
    return D0 + timedelta(days=n)


def t(product, frm, to, day, *, status="executed", waived=0):
    criteria = [{"id": f"w{i}", "status": "waived"} for i in range(waived)] + [{"id": "ok", "status": "pass"}]
    return Transition.objects.create(
        product=product,
        from_stage=frm,
        to_stage=to,
        kind="advance",
        status=status,
        requested_by="alice@example.com",
        requested_at=d(day),
        decided_at=d(day),
        snapshot={"criteria": criteria},
    )


@pytest.fixture
def history(db, make_product, make_person):
    web = Team.objects.create(slug="web", name="Web", kind="build")
    a = make_product("a", build_team=web)
    b = make_product("b", build_team=web)
    c = make_product("c")
    for p, days in ((a, (0, 10)), (b, (0, 4)), (c, (0, 30))):
        t(p, "plan", "build", days[0])
        t(p, "build", "pilot", days[1])
    t(a, "pilot", "warranty", 20, status="refused")
    t(a, "pilot", "warranty", 25, waived=1)
    t(a, "warranty", "operate", 55)
    t(b, "pilot", "warranty", 12)
    t(b, "warranty", "operate", 40)
    for product, forecast, ended in ((a, 50, 55), (b, 45, 40)):
        retro = Retrospective.objects.get(product=product, trigger="operate")
        retro.snapshot = {
            **retro.snapshot,
            "warranty": {
                "forecast_end": d(forecast).date().isoformat(),
                "actual_end": d(ended).date().isoformat(),
            },
        }
        retro.save()
    held = Retrospective.objects.get(product=a, trigger="warranty")
    held.status, held.held_at = "held", d(30)
    held.save()
    common = {"reason": "r", "created_by": "alice@example.com", "expires_at": d(200)}
    Waiver.objects.create(
        product=a,
        criterion="x",
        created_at=d(20),
        build_lead_signed_at=d(20),
        run_lead_signed_at=d(21),
        **common,
    )
    Waiver.objects.create(product=b, criterion="y", created_at=d(60), build_lead_signed_at=d(60), **common)
    for n, (product, day) in enumerate(((a, 56), (a, 100), (a, 150), (b, 41))):
        Incident.objects.create(product=product, external_id=f"i{n}", opened_at=d(day))
    carol = make_person("carol@example.com")
    for title, due, status, closed in (
        ("train", 70, "done", 65),
        ("docs", 80, "not_doing", 90),
        ("alerts", 100, "open", None),
        ("later", 200, "open", None),
    ):
        ActionItem.objects.create(
            retrospective=held,
            title=title,
            owner=carol,
            due=d(due).date(),
            status=status,
            reason="r" if status == "not_doing" else "",
            closed_at=d(closed) if closed else None,
            created_at=d(30),
        )
    return d(160)


def test_process_metrics_match_the_hand_computed_values(history):
    m = services.process_metrics(now=history)
    p = m["portfolio"]
    assert p["time_in_stage"] == {
        "build": {"n": 3, "median_days": 10, "p90_days": 30},
        "pilot": {"n": 2, "median_days": 11.5, "p90_days": 15},
        "warranty": {"n": 2, "median_days": 29, "p90_days": 30},
    }
    assert {g: (s["first_pass"], s["passed"]) for g, s in p["first_pass"].items()} == {
        "build": (3, 3),
        "pilot": (3, 3),
        "warranty": (1, 2),
        "operate": (2, 2),
    }
    assert p["first_pass"]["warranty"]["rate"] == 0.5
    assert p["waivers"] == {
        "gate_passes": 10,
        "with_waivers": 1,
        "rate": 0.1,
        "in_force": 1,
        "median_age_days": 140,
    }
    assert p["warranty_forecast_error"] == {"n": 2, "median_abs_days": 5, "mean_signed_days": 0}
    assert p["early_life_incidents"] == {
        "products": 2,
        "incidents": 3,
        "observed_90_days": 2,
        "median_per_product": 1.5,
    }
    assert p["action_items"] == {"due_or_closed": 3, "on_time": 1, "rate": pytest.approx(1 / 3)}
    assert p["retrospective_coverage"] == {"transitions": 4, "held": 1, "rate": 0.25}
    web, none = m["teams"]["web"], m["teams"]["(no team)"]
    assert web["time_in_stage"]["build"] == {"n": 2, "median_days": 7, "p90_days": 10}
    assert none["time_in_stage"] == {"build": {"n": 1, "median_days": 30, "p90_days": 30}}
    assert none["retrospective_coverage"]["rate"] is None  # nothing to cover: no number
    assert m["methods"]["p90"] == "nearest-rank"


def test_metrics_process_command_and_api(history, prodops, people):
    code, out, _ = prodops("metrics", "process", "--format", "json")
    assert code == 0
    body = json.loads(out)
    assert set(body) == {"as_of", "methods", "portfolio", "teams"}
    assert body["portfolio"]["first_pass"]["warranty"]["passed"] == 2
    code, out, _ = prodops("metrics", "process")
    assert code == 0 and "first-pass warranty gate: 50% (1 of 2)" in out and "team web:" in out
    from tests.improvement.test_retrospectives import client_for

    r = client_for(people["mallory"]).get("/api/v1/metrics/process")
    assert r.status_code == 200 and "portfolio" in r.json()
