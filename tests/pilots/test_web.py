"""The pilot page: the plan form, observations, feedback and both leads' signatures
through the browser's door (Django test client), with the same services behind it."""

from __future__ import annotations

from prodops.pilots.models import Decision, Observation, Pilot

CRITERIA = "- {id: ok, metric: ok, kind: proportion, threshold: 0.9, min_sample: 10}\n"


def test_plan_form_observation_feedback_and_decision(client, personas, make_product):
    product = make_product("shop", stage="pilot")
    client.force_login(personas["dave"])  # a viewer sees, cannot plan
    r = client.get("/products/shop/pilot/")
    assert r.status_code == 200 and "Save the plan" not in r.content.decode()
    assert (
        client.post("/products/shop/pilot/plan/", {"start": "2026-11-01", "min_days": 14}).status_code == 403
    )
    assert not Pilot.objects.exists()
    client.force_login(personas["alice"])
    r = client.post(
        "/products/shop/pilot/plan/",
        {
            "start": "2026-11-01",
            "min_days": "14",
            "cohorts": "- {name: staff, kind: internal}",
            "criteria": "- [oops",
        },
    )
    assert r.status_code == 422 and "not valid YAML" in r.content.decode()
    r = client.post(
        "/products/shop/pilot/plan/",
        {
            "start": "2026-11-01",
            "min_days": "14",
            "cohorts": "- {name: staff, kind: internal}",
            "criteria": CRITERIA.replace("0.9", "9"),
        },
    )
    assert r.status_code == 422 and "between 0 and 1" in r.content.decode()
    r = client.post(
        "/products/shop/pilot/plan/",
        {
            "start": "2026-11-01",
            "min_days": "14",
            "cohorts": "- {name: staff, kind: internal, planned_size: 50}",
            "criteria": CRITERIA,
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Pilot.objects.get(product=product).plan["criteria"][0]["threshold"] == 0.9
    r = client.post(
        "/products/shop/pilot/observations/", {"metric": "ok", "cohort": "moon", "successes": 1, "trials": 2}
    )
    assert r.status_code == 422 and "no cohort" in r.content.decode()
    r = client.post(
        "/products/shop/pilot/observations/",
        {"metric": "ok", "cohort": "staff", "successes": 50, "trials": 50},
    )
    assert r.status_code == 302 and Observation.objects.count() == 1
    assert client.post("/products/shop/pilot/feedback/", {"rating": 5, "text": "nice"}).status_code == 302
    assert client.post("/products/shop/pilot/decisions/", {"outcome": "proceed"}).status_code == 302
    decision = Decision.objects.get()
    page = client.get("/products/shop/pilot/").content.decode()
    assert "wilson" in page and "pass" in page and "Awaiting signatures" in page
    assert client.post(f"/products/shop/pilot/decisions/{decision.pk}/sign/").status_code == 302
    decision.refresh_from_db()
    assert decision.status == "pending"  # alice cannot sign twice
    client.force_login(personas["bob"])
    client.post(f"/products/shop/pilot/decisions/{decision.pk}/sign/")
    decision.refresh_from_db()
    assert decision.status == "signed"
    client.force_login(personas["carol"])  # a member outside the product: no signature
    assert client.post("/products/shop/pilot/decisions/", {"outcome": "stop"}).status_code == 403
