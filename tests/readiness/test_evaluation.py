"""Standards, evaluation with history, custom facts, attestations and waivers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from prodops.readiness import services
from prodops.readiness.models import EvaluationChange, ProductEvaluation, Standard
from prodops.readiness.services import NotAllowed, ReadinessError
from tests.readiness.conftest import ACME


def statuses(readiness):
    return {c.id: c.status for c in readiness.criteria}


def test_apply_is_idempotent_and_versions_on_change(acme, actor):
    assert services.apply_standard(actor=actor, slug="acme", name="ACME", spec=ACME) == "unchanged"
    changed = {"criteria": [*ACME["criteria"], {"id": "x", "gate": "pilot", "rule": "slo.count > 1"}]}
    assert services.apply_standard(actor=actor, slug="acme", name="ACME", spec=changed) == "updated"
    assert Standard.objects.get(slug="acme").version == 2
    assert services.get_standard("acme").by_id["x"].facts == ("slo.count",)


def test_invalid_rule_is_refused_with_position_and_nothing_changes(acme, actor):
    bad = {"criteria": [*ACME["criteria"], {"id": "bad", "gate": "pilot", "rule": "custom.x > 0 && nope.y"}]}
    with pytest.raises(ReadinessError) as err:
        services.apply_standard(actor=actor, slug="acme", name="ACME", spec=bad)
    assert "criterion 'bad'" in err.value.message and "line 1, column 17" in err.value.message
    assert err.value.field == "spec.criteria.5.rule"
    assert Standard.objects.get(slug="acme").version == 1


def test_unknown_gate_is_refused(actor, db):
    with pytest.raises(ReadinessError, match=r"spec\.criteria\.0\.gate"):
        services.apply_standard(
            actor=actor,
            slug="s",
            name="S",
            spec={"criteria": [{"id": "a", "gate": "launch", "rule": "slo.count > 0"}]},
        )


def test_default_standard_compiles_with_enough_criteria(db):
    standard = services.get_standard("default")
    assert len(standard.criteria) >= 35
    assert {c.criterion.gate for c in standard.criteria} >= {
        "build",
        "pilot",
        "warranty",
        "operate",
        "retire",
    }
    assert all(c.criterion.why for c in standard.criteria)


def test_custom_fact_fixes_a_failing_criterion(acme_product, actor):
    r = services.product_readiness(product=acme_product, gate="pilot")
    assert statuses(r)["coverage"] == "unknown" and not r.ready
    services.set_custom_facts(actor=actor, product=acme_product, facts={"coverage": 0.5})
    assert statuses(services.product_readiness(product=acme_product, gate="pilot"))["coverage"] == "fail"
    services.set_custom_facts(actor=actor, product=acme_product, facts={"coverage": 0.9})
    from prodops.catalog.models import SLO

    SLO.objects.create(product=acme_product, name="availability", objective=99.9)
    r = services.product_readiness(product=acme_product, gate="pilot")
    assert r.ready, r.blockers
    assert statuses(r)["style"] == "unknown"  # advisory: does not block


def test_bad_custom_fact_key_is_refused(acme_product, actor):
    with pytest.raises(ReadinessError, match=r"facts\.bad key"):
        services.set_custom_facts(actor=actor, product=acme_product, facts={"bad key": 1})
    acme_product.refresh_from_db()
    assert acme_product.facts == {}


def test_tiers_filter(acme, make_product):
    low = make_product("low", standard=acme, tier=3)
    assert "slo" not in statuses(services.product_readiness(product=low, gate="pilot"))


def test_evaluation_is_stored_with_history_of_status_changes(acme_product, actor):
    services.evaluate_products()
    stored = ProductEvaluation.objects.get(product=acme_product)
    assert stored.results["coverage"]["status"] == "unknown"
    assert stored.next_gate == "pilot" and not stored.ready
    assert not EvaluationChange.objects.exists()
    services.set_custom_facts(actor=actor, product=acme_product, facts={"coverage": 0.95})
    services.evaluate_products(product_ids=[acme_product.pk])
    change = EvaluationChange.objects.get()
    assert (change.criterion, change.old_status, change.new_status, change.value) == (
        "coverage",
        "unknown",
        "pass",
        0.95,
    )


def test_facts_changed_queues_one_reevaluation_per_product(
    acme_product, actor, worker_once, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from prodops.readiness.models import PendingEvaluation

    services.evaluate_products()
    for coverage in (0.5, 0.7, 0.99):  # three changes, each committed, before the worker comes
        with django_capture_on_commit_callbacks(execute=True):
            services.set_custom_facts(actor=actor, product=acme_product, facts={"coverage": coverage})
    assert services.reevaluating([acme_product.pk]) == {acme_product.pk}
    queued = DBTaskResult.objects.filter(task_path="prodops.readiness.tasks.reevaluate", status="READY")
    assert queued.count() == 1
    # The stored result waits for the worker, off the request path.
    assert ProductEvaluation.objects.get(product=acme_product).results["coverage"]["status"] == "unknown"
    worker_once()
    assert ProductEvaluation.objects.get(product=acme_product).results["coverage"]["status"] == "pass"
    assert not PendingEvaluation.objects.exists()
    ran = DBTaskResult.objects.filter(task_path="prodops.readiness.tasks.reevaluate").get()
    assert ran.status == "SUCCESSFUL"


def test_attestation_by_role_and_its_expiry(acme_product, people):
    with pytest.raises(NotAllowed):
        services.attest(
            actor=people["alice"],
            product=acme_product,
            criterion_id="accepted",
            evidence_url="https://wiki/x",
        )
    now = timezone.now()
    services.attest(
        actor=people["bob"],
        product=acme_product,
        criterion_id="accepted",
        evidence_url="https://wiki.example.com/acceptance",
        now=now,
    )
    assert (
        statuses(services.product_readiness(product=acme_product, gate="warranty", now=now))["accepted"]
        == "pass"
    )
    later = now + timedelta(days=31)
    assert (
        statuses(services.product_readiness(product=acme_product, gate="warranty", now=later))["accepted"]
        == "fail"
    )


def test_waiver_counts_once_both_leads_signed_and_stops_at_expiry(acme_product, people):
    now = timezone.now()
    waiver = services.create_waiver(
        actor=people["alice"],
        product=acme_product,
        criterion_id="coverage",
        reason="Legacy module, tests in Q1",
        expires_at=now + timedelta(days=14),
        now=now,
    )
    assert (
        statuses(services.product_readiness(product=acme_product, gate="pilot", now=now))["coverage"]
        == "unknown"
    )
    with pytest.raises(NotAllowed):
        services.sign_waiver(actor=people["mallory"], waiver=waiver, now=now)
    services.sign_waiver(actor=people["bob"], waiver=waiver, now=now)
    assert waiver.signed
    assert (
        statuses(services.product_readiness(product=acme_product, gate="pilot", now=now))["coverage"]
        == "waived"
    )
    assert services.expiring_waivers(within=timedelta(days=14), now=now) == [waiver]
    assert services.expiring_waivers(within=timedelta(days=7), now=now) == []
    expired = now + timedelta(days=14, seconds=1)
    assert (
        statuses(services.product_readiness(product=acme_product, gate="pilot", now=expired))["coverage"]
        == "unknown"
    )


def test_waiver_limits(acme_product, people):
    now = timezone.now()
    with pytest.raises(ReadinessError, match="at most 90 days"):
        services.create_waiver(
            actor=people["alice"],
            product=acme_product,
            criterion_id="coverage",
            reason="r",
            expires_at=now + timedelta(days=91),
            now=now,
        )
    with pytest.raises(NotAllowed):
        services.create_waiver(
            actor=people["mallory"],
            product=acme_product,
            criterion_id="coverage",
            reason="r",
            expires_at=now + timedelta(days=9),
            now=now,
        )


def test_admin_signs_as_override(acme_product, people):
    now = timezone.now()
    waiver = services.create_waiver(
        actor=people["root"],
        product=acme_product,
        criterion_id="coverage",
        reason="r",
        expires_at=now + timedelta(days=9),
        now=now,
    )
    assert not waiver.signed
    with pytest.raises(services.NotAllowed, match="reason"):
        services.sign_waiver(actor=people["root"], waiver=waiver, now=now)
    services.sign_waiver(actor=people["root"].with_reason("both leads away"), waiver=waiver, now=now)
    assert waiver.signed and waiver.build_lead_override and waiver.run_lead_override
