"""Pilots through every door: config as code, the API, the CLI and CSV; the judgement's
statuses; the decision both leads sign, with its snapshot; the warranty gate's facts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from django.test import Client

from prodops.accounts.models import ApiToken, hash_token
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, PermissionDenied, Refused
from prodops.pilots import services, stats
from prodops.pilots.models import Decision, Observation
from tests.pilots.conftest import PLAN

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def client_for(actor, *, read_only: bool = False) -> Client:
    raw = ApiToken.generate()
    ApiToken.objects.create(
        user=actor.user, name="t", prefix=raw[:10], token_hash=hash_token(raw), read_only=read_only
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _observe(product, actor, **kw):
    kw.setdefault("observed_at", NOW - timedelta(days=1))
    return services.record_observation(actor=actor, product=product, **kw)


def _criteria(product) -> dict[str, dict]:
    return {c["id"]: c for c in services.status_of(product, now=NOW)["criteria"]}


def test_status_of_each_criterion_follows_the_reference_intervals(pilot_product, actor):
    assert {c["status"] for c in _criteria(pilot_product).values()} == {"no_data"}
    # 81/263 (Newcombe 1998): Wilson 0.2553 to 0.3662; below min_sample 100? no: 263 >= 100.
    _observe(pilot_product, actor, metric="checkout-ok", cohort="staff", successes=81, trials=263)
    crit = _criteria(pilot_product)["checkout-ok"]
    expected = stats.wilson(81, 263, 0.95)
    assert crit["status"] == "fail"  # 0.3662 < 0.95
    assert (crit["low"], crit["high"]) == (expected.low, expected.high)
    assert crit["method"] == "wilson" and crit["n"] == 263
    # The control cohort is left out of the pool, and judged against it by Newcombe's method.
    assert _criteria(pilot_product)["vs-control"]["status"] == "no_data"
    _observe(pilot_product, actor, metric="checkout-ok", cohort="control", successes=48, trials=80)
    vs = _criteria(pilot_product)["vs-control"]
    assert vs["method"] == "newcombe-hybrid-score"
    assert vs["threshold"] == -0.01
    # 81/263 - 48/80: estimate -0.292, wholly below -0.01.
    assert vs["status"] == "fail"
    assert _criteria(pilot_product)["checkout-ok"]["n"] == 263  # the control did not join the pool


def test_no_data_below_min_sample_then_judged(pilot_product, actor):
    _observe(pilot_product, actor, metric="checkout-ok", cohort="staff", successes=99, trials=99)
    assert _criteria(pilot_product)["checkout-ok"]["status"] == "no_data"
    _observe(pilot_product, actor, metric="checkout-ok", successes=1, trials=1)  # the pilot as a whole
    crit = _criteria(pilot_product)["checkout-ok"]
    assert crit["n"] == 100
    # 100/100: Wilson lower limit 0.963 >= 0.95.
    assert crit["status"] == "pass" and crit["low"] == pytest.approx(stats.wilson(100, 100).low)


def test_rate_uses_garwood_per_1000(pilot_product, actor):
    # 10 incidents over 1000 exposure, per 1000: 4.795 to 18.39 (Ulm 1990) > 2: fail.
    _observe(pilot_product, actor, metric="incidents", cohort="staff", count=10, exposure=1000)
    crit = _criteria(pilot_product)["incidents"]
    assert crit["status"] == "fail" and crit["method"] == "garwood"
    assert round(crit["low"], 3) == 4.795 and round(crit["high"], 2) == 18.39
    # 0 in 5000 more (10 in 6000): 0.80 to 3.07 per 1000, straddles 2.
    _observe(pilot_product, actor, metric="incidents", cohort="staff", count=0, exposure=5000)
    assert _criteria(pilot_product)["incidents"]["status"] == "inconclusive"


def test_cli_status_json_shape_and_exit_codes(pilot_product, actor, prodops):
    code, out, _ = prodops("pilot", "status", "shop", "--format", "json")
    assert code == 1
    body = json.loads(out)
    assert list(body) == ["product", "start", "days_run", "cohorts", "criteria", "decision"]
    assert list(body["cohorts"][0]) == ["name", "kind", "planned_size", "exposed"]
    assert list(body["criteria"][0]) == [
        "id",
        "metric",
        "kind",
        "status",
        "estimate",
        "low",
        "high",
        "n",
        "threshold",
        "direction",
        "method",
    ]
    code, _, err = prodops(
        "pilot",
        "observe",
        "shop",
        "--metric",
        "checkout-ok",
        "--cohort",
        "staff",
        "--successes",
        "995",
        "--trials",
        "1000",
        "--users",
        "700",
    )
    assert code == 0, err
    code, _, err = prodops(
        "pilot",
        "observe",
        "shop",
        "--metric",
        "checkout-ok",
        "--cohort",
        "control",
        "--successes",
        "990",
        "--trials",
        "1000",
    )
    assert code == 0, err
    code, _, err = prodops(
        "pilot", "observe", "shop", "--metric", "incidents", "--count", "0", "--exposure", "5000"
    )
    assert code == 0, err
    code, out, _ = prodops("pilot", "status", "shop", "--format", "json")
    body = json.loads(out)
    assert {c["id"]: c["status"] for c in body["criteria"]} == {
        "checkout-ok": "pass",
        "incidents": "pass",
        "vs-control": "pass",
    }
    assert body["cohorts"][0]["exposed"] == 700
    assert code == 0
    code, out, _ = prodops("pilot", "status", "shop")
    assert code == 0 and "wilson 95%" in out and "garwood" in out and "newcombe-hybrid-score" in out
    # Bad input: exit 2 naming the field.
    code, _, err = prodops(
        "pilot",
        "observe",
        "shop",
        "--metric",
        "checkout-ok",
        "--cohort",
        "moon",
        "--successes",
        "1",
        "--trials",
        "2",
    )
    assert code == 2 and "cohort" in err
    code, _, err = prodops("pilot", "observe", "shop", "--metric", "x", "--count", "1", "--exposure", "nan")
    assert code == 2 and "exposure" in err
    code, _, err = prodops("pilot", "status", "nope")
    assert code == 2


def test_csv_import_is_all_or_nothing_and_names_line_and_field(pilot_product, actor, prodops, tmp_path):
    good = tmp_path / "obs.csv"
    good.write_text(
        "metric,cohort,successes,trials,observed_at\ncheckout-ok,staff,95,100,2026-11-20\n"
        "checkout-ok,staff,96,100,2026-11-21T10:00:00+00:00\n"
    )
    code, _out, err = prodops("pilot", "import", "shop", str(good))
    assert code == 0, err
    assert Observation.objects.filter(product=pilot_product).count() == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("metric,cohort,successes,trials\ncheckout-ok,staff,1,2\ncheckout-ok,staff,5,2\n")
    code, _, err = prodops("pilot", "import", "shop", str(bad))
    assert code == 2 and f"{bad}:3: successes" in err
    assert Observation.objects.filter(product=pilot_product).count() == 2


def test_api_observations_and_hostile_input(pilot_product, people):
    alice = client_for(people["alice"])
    url = "/api/v1/products/shop/pilot/observations"
    r = alice.post(
        url,
        {"metric": "checkout-ok", "cohort": "staff", "successes": 9, "trials": 10},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    for body, field in [
        ({"metric": "checkout-ok", "successes": 11, "trials": 10}, "successes"),
        ({"metric": "checkout-ok", "count": 1, "exposure": "NaN"}, "exposure"),
        ({"metric": "checkout-ok", "count": 1, "exposure": 1e400}, "exposure"),
        ({"metric": "a\x00b", "count": 1, "exposure": 1}, "metric"),
        ({"metric": "checkout-ok", "successes": "many", "trials": 10}, "successes"),
        ({"metric": "checkout-ok", "count": 1}, "exposure"),
    ]:
        r = alice.post(url, json.dumps(body), content_type="application/json")
        assert r.status_code == 422, (body, r.content)
        assert field in json.dumps(r.json()["detail"][0]["loc"]), (body, r.json())
    assert Observation.objects.filter(product=pilot_product).count() == 1
    r = alice.post(url + ".csv", "metric,successes,trials\ncheckout-ok,5,2\n", content_type="text/csv")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "successes"]
    r = alice.get("/api/v1/products/shop/pilot")
    assert r.status_code == 200 and r.json()["criteria"][0]["method"] == "wilson"
    viewer = client_for(people["mallory"], read_only=True)
    r = viewer.post(
        url, {"metric": "checkout-ok", "successes": 1, "trials": 1}, content_type="application/json"
    )
    assert r.status_code == 403
    # mallory is a member but not on the product: contribute is refused.
    r = client_for(people["mallory"]).post(
        url, {"metric": "checkout-ok", "successes": 1, "trials": 1}, content_type="application/json"
    )
    assert r.status_code == 403
    assert Observation.objects.filter(product=pilot_product).count() == 1


def test_decision_needs_both_leads_and_keeps_its_snapshot(pilot_product, people, actor):
    _observe(pilot_product, actor, metric="checkout-ok", cohort="staff", successes=995, trials=1000)
    alice, bob = people["alice"], people["bob"]
    with pytest.raises(PermissionDenied):
        services.propose_decision(actor=people["mallory"], product=pilot_product, outcome="proceed")
    decision = services.propose_decision(
        actor=alice, product=pilot_product, outcome="proceed", reason="checkout holds", now=NOW
    )
    assert decision.status == Decision.Status.PENDING
    assert [s.role for s in decision.signatures.all()] == ["build_lead"]
    with pytest.raises(Refused):
        services.sign_decision(actor=alice, decision=decision)  # not twice, not for bob
    # More evidence arrives; the snapshot keeps what the leads saw when it was proposed.
    _observe(pilot_product, actor, metric="checkout-ok", cohort="staff", successes=0, trials=1000)
    services.sign_decision(actor=bob, decision=decision, now=NOW)
    decision.refresh_from_db()
    assert decision.status == Decision.Status.SIGNED
    snap = {c["id"]: c for c in decision.snapshot["criteria"]}
    assert snap["checkout-ok"]["n"] == 1000 and snap["checkout-ok"]["status"] == "pass"
    assert {s.role: s.person.email for s in decision.signatures.all()} == {
        "build_lead": "alice@example.com",
        "run_lead": "bob@example.com",
    }
    status = services.status_of(pilot_product, now=NOW)
    assert status["decision"]["outcome"] == "proceed" and status["decision"]["status"] == "signed"
    with pytest.raises(Refused):
        services.sign_decision(actor=bob, decision=decision)


def test_one_person_holding_both_roles_cannot_complete_a_decision(
    db, make_product, make_person, people, actor
):
    product = make_product(
        "solo", build_lead=make_person("alice@example.com"), run_lead=make_person("alice@example.com")
    )
    services.set_plan(actor=actor, product=product, plan=PLAN)
    decision = services.propose_decision(actor=people["alice"], product=product, outcome="stop")
    with pytest.raises(Refused):
        services.sign_decision(actor=people["alice"], decision=decision)
    # An admin may sign the other role only as a recorded override, with a reason.
    with pytest.raises(PermissionDenied):
        services.sign_decision(actor=people["root"], decision=decision)
    services.sign_decision(actor=people["root"].with_reason("run lead on leave"), decision=decision)
    decision.refresh_from_db()
    assert decision.status == "signed"
    assert decision.signatures.get(role="run_lead").override is True


def test_decision_api_and_feedback(pilot_product, people):
    alice, bob = client_for(people["alice"]), client_for(people["bob"])
    r = alice.post(
        "/api/v1/products/shop/pilot/decisions",
        {"outcome": "extend", "reason": "not enough data"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["snapshot"]["product"] == "shop"
    r = bob.post(f"/api/v1/products/shop/pilot/decisions/{r.json()['id']}/sign")
    assert r.status_code == 200 and r.json()["status"] == "signed"
    r = alice.post(
        "/api/v1/products/shop/pilot/decisions", {"outcome": "maybe"}, content_type="application/json"
    )
    assert r.status_code == 422
    r = bob.post(
        "/api/v1/products/shop/pilot/feedback",
        {"rating": 4, "text": "smooth"},
        content_type="application/json",
    )
    assert r.status_code == 201
    r = bob.post("/api/v1/products/shop/pilot/feedback", {"rating": 6}, content_type="application/json")
    assert r.status_code == 422


def test_facts_and_the_warranty_gate(pilot_product, people, actor):
    from prodops.readiness.services import product_readiness

    def gate() -> dict[str, str]:
        result = product_readiness(product=pilot_product, gate="warranty", now=NOW)
        wanted = {"pilot-duration", "pilot-criteria", "pilot-decision"}
        return {c.id: c.status for c in result.criteria if c.id in wanted}

    from prodops.core.facts import compute

    facts = compute([pilot_product.pk], NOW)[pilot_product.pk]
    assert facts["pilot.days_run"] == 29 and facts["pilot.criteria_no_data"] == 3
    assert facts["pilot.decision"] == "none"
    assert gate() == {"pilot-duration": "pass", "pilot-criteria": "fail", "pilot-decision": "fail"}
    _observe(
        pilot_product, actor, metric="checkout-ok", cohort="staff", successes=995, trials=1000, users=500
    )
    _observe(pilot_product, actor, metric="checkout-ok", cohort="control", successes=990, trials=1000)
    _observe(pilot_product, actor, metric="incidents", cohort="staff", count=0, exposure=5000)
    services.add_feedback(actor=people["bob"], product=pilot_product, rating=4)
    services.add_feedback(actor=people["alice"], product=pilot_product, rating=5)
    decision = services.propose_decision(
        actor=people["alice"], product=pilot_product, outcome="proceed", now=NOW
    )
    services.sign_decision(actor=people["bob"], decision=decision, now=NOW)
    facts = compute([pilot_product.pk], NOW)[pilot_product.pk]
    assert facts["pilot.criteria_passing"] == 3 and facts["pilot.blocking_not_passed"] == 0
    assert facts["pilot.exposed_share"] == 0.5  # 500 of the 1000 planned (the control left out)
    assert facts["pilot.feedback_score"] == 4.5
    assert facts["pilot.decision"] == "proceed"
    assert gate() == {"pilot-duration": "pass", "pilot-criteria": "pass", "pilot-decision": "pass"}


def test_minimum_duration_gate(db, make_product, actor):
    from prodops.readiness.services import product_readiness

    product = make_product("young", stage="pilot")
    services.set_plan(actor=actor, product=product, plan={**PLAN, "start": "2026-11-20"})
    result = product_readiness(product=product, gate="warranty", now=NOW)
    assert {c.id: c.status for c in result.criteria}["pilot-duration"] == "fail"  # 10 of 14 days


def test_config_as_code_round_trip_and_errors(db, prodops, tmp_path, make_person):
    make_person("alice@example.com")
    make_person("bob@example.com")
    doc = {
        "apiVersion": "prodops/v1",
        "kind": "Product",
        "metadata": {"slug": "shop", "name": "Shop"},
        "spec": {"owners": {"build_lead": "alice@example.com", "run_lead": "bob@example.com"}, "pilot": PLAN},
    }
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(doc))
    code, _, err = prodops("apply", "-f", str(path))
    assert code == 0, err
    code, out, _ = prodops("export")
    exported = next(d for d in yaml.safe_load_all(out) if d and d["kind"] == "Product")
    assert exported["spec"]["pilot"]["criteria"][2] == PLAN["criteria"][2]
    assert str(exported["spec"]["pilot"]["start"]) == "2026-11-01"
    again = tmp_path / "again.yaml"
    again.write_text(yaml.safe_dump(exported))
    code, out, _ = prodops("apply", "-f", str(again))
    assert code == 0 and "unchanged" in out
    broken = json.loads(json.dumps(doc))
    broken["spec"]["pilot"]["criteria"][2]["compare"] = "nobody"
    path.write_text(yaml.safe_dump(broken))
    code, _, err = prodops("apply", "-f", str(path))
    assert code == 2 and "spec.pilot.criteria.2.compare" in err
    broken["spec"]["pilot"]["criteria"][2] = {"id": "x", "metric": "m", "kind": "rate", "threshold": ".nan"}
    path.write_text(yaml.safe_dump(broken).replace("'.nan'", ".nan"))
    code, _, err = prodops("apply", "-f", str(path))
    assert code == 2 and "threshold" in err
    code, out, _ = prodops("schema")
    assert "PilotSpec" in out or "min_sample" in out


def test_plan_validation_names_the_field():
    with pytest.raises(InvalidInput) as exc:
        services.parse_plan(
            {**PLAN, "criteria": [{"id": "a", "metric": "m", "kind": "proportion", "threshold": 2}]}
        )
    assert exc.value.field == "criteria.0"
    with pytest.raises(InvalidInput) as exc:
        services.parse_plan({**PLAN, "cohorts": [PLAN["cohorts"][0], PLAN["cohorts"][0]]})
    assert exc.value.field == "cohorts.1.name"


def test_observations_need_a_plan(db, make_product):
    product = make_product("bare")
    with pytest.raises(Refused):
        services.record_observation(actor=Actor.cli(), product=product, metric="m", successes=1, trials=1)


def test_signed_decision_is_in_the_handover_pack(pilot_product, people, actor):
    from prodops.knowledge.handover import build_pack, render

    md = render(build_pack(product=pilot_product, now=NOW), "md").decode()
    assert "No signed pilot decision." in md
    _observe(pilot_product, actor, metric="checkout-ok", cohort="staff", successes=995, trials=1000)
    decision = services.propose_decision(
        actor=people["bob"], product=pilot_product, outcome="proceed", reason="ok"
    )
    services.sign_decision(actor=people["alice"], decision=decision)
    pack = build_pack(product=pilot_product, now=NOW)
    md = render(pack, "md").decode()
    assert "**Proceed**" in md and "(run lead) and alice@example.com (build lead)" in md
    assert "| checkout-ok | pass |" in md and "wilson" in md
    html = render(pack, "html").decode()
    assert "Pilot decision" in html and "newcombe-hybrid-score" in html
