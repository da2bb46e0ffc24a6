"""Issue 16, "one answer per question": attestations that expire and belong to a stage,
one criterion per question in the default standard, and "blocked" said the same way
by the badge and the Blocked gates panel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from prodops.audit.services import record
from prodops.core.actors import Actor
from prodops.readiness import rules
from prodops.readiness.services import attest, get_standard, product_readiness


@pytest.fixture
def standard(db):
    return get_standard("default")  # the packaged default standard


def _status(product, criterion: str, gate: str, now=None) -> tuple[str, str]:
    r = product_readiness(product=product, gate=gate, now=now)
    c = next(c for c in r.criteria if c.id == criterion)
    return c.status, c.message


def test_an_attestation_made_before_the_stage_does_not_count_for_the_next_gate(standard, make_product):
    product = make_product("payments-api", stage="build")
    now = timezone.now()
    run_lead = Actor.cli("bob@example.com")
    # Attested while the product was still in build (run lead, with the CLI as operator).
    attest(
        actor=run_lead,
        product=product,
        criterion_id="handover-accepted",
        evidence_url="https://wiki.example.com/accept",
        now=now - timedelta(days=60),
    )
    assert _status(product, "handover-accepted", "operate", now)[0] == "pass"
    # The product enters warranty (the stage before the operate gate) 30 days ago.
    product.stage = "warranty"
    product.save()
    record(
        actor=run_lead,
        action="product.stage",
        obj=product,
        product=product,
        changes={"stage": ["pilot", "warranty"]},
    )
    from prodops.audit.models import AuditEntry

    AuditEntry.objects.filter(action="product.stage").update(at=now - timedelta(days=30))
    status, message = _status(product, "handover-accepted", "operate", now)
    assert status == "fail"
    assert "before the product entered warranty" in message
    # Attesting again, in warranty, counts.
    attest(
        actor=run_lead,
        product=product,
        criterion_id="handover-accepted",
        evidence_url="https://wiki.example.com/accept-2",
        now=now - timedelta(days=1),
    )
    assert _status(product, "handover-accepted", "operate", now)[0] == "pass"


def test_every_attestation_expires(standard, make_product):
    product = make_product("payments-api", stage="pilot")
    # A criterion without `every` of its own: its attestation lasts the default year.
    no_every = next(
        cc.criterion for cc in standard.criteria if cc.criterion.attest and not cc.criterion.attest.every
    )
    now = timezone.now()
    role_email = "alice@example.com" if no_every.attest.role == "build_lead" else "bob@example.com"
    a = attest(
        actor=Actor.cli(role_email),
        product=product,
        criterion_id=no_every.id,
        evidence_url="https://wiki.example.com/x",
        now=now,
    )
    assert a.expires_at == now + rules.DEFAULT_ATTESTATION_VALIDITY
    later = now + rules.DEFAULT_ATTESTATION_VALIDITY + timedelta(days=1)
    status, message = _status(product, no_every.id, "retire", later)
    assert status == "fail" and "expired" in message


def test_one_stale_runbook_and_one_missing_workaround_make_two_blockers(standard, make_product):
    """The reproduction of the issue: a product in warranty, ready for operate except for
    a stale runbook and a known error without a workaround."""
    from prodops.readiness.rules import gate_blockers

    std = standard
    facts = {
        "docs.runbook.count": 1,
        "docs.runbook.fresh_count": 0,
        "docs.stale_count": 1,
        "known_errors.without_workaround": 1,
        "known_errors.open": 1,
    }
    questions = {
        crit_id
        for crit_id, cc in std.by_id.items()
        if cc.criterion.gate in std.gates_up_to("operate")
        and cc.program is not None
        and cc.criterion.severity == "blocking"
    }
    results = rules.evaluate_product(std, facts=facts, tier=1, now=timezone.now())
    failing = {r.id for r in results if r.id in questions and r.status == "fail"}
    assert failing == {"runbook-fresh-at-go-live", "known-errors-have-workarounds"}
    assert {r.id for r in gate_blockers(std, results, "operate")} >= failing


def test_no_two_default_criteria_ask_the_same_rule(standard):
    rules_seen: dict[str, str] = {}
    for cc in standard.criteria:
        crit = cc.criterion
        if crit.rule is None:
            continue
        key = f"{crit.rule}|{','.join(map(str, crit.tiers or []))}"
        assert key not in rules_seen, f"{crit.id} repeats {rules_seen[key]}"
        rules_seen[key] = crit.id
    assert "warranty-exit" not in standard.by_id  # the data criterion is the one answer


def test_retire_is_blocked_only_when_requested(standard, make_product, client, django_user_model):
    from prodops.lifecycle.models import Transition
    from prodops.readiness.services import evaluate_products
    from prodops.web.integrations import blocked_gates, readiness_for

    product = make_product("ledger", stage="operate")
    evaluate_products(product_ids=[product.pk])
    from prodops.catalog.models import Product

    r = readiness_for([product])[product.pk]
    assert r.gate == "retire" and not r.ready and not r.blocked
    count, _ = blocked_gates(Product.objects.all(), limit=10)
    assert count == 0
    user = django_user_model.objects.create_user("ops", "ops@example.com", "pw", is_superuser=True)
    client.force_login(user)
    assert 'badge fail">blocked' not in client.get("/").content.decode()
    Transition.objects.create(
        product=product,
        from_stage="operate",
        to_stage="retire",
        requested_by="bob@example.com",
        requested_at=timezone.now(),
    )
    r = readiness_for([product])[product.pk]
    assert r.blocked
    count, items = blocked_gates(Product.objects.all(), limit=10)
    assert count == 1 and items[0].gate == "retire"
    assert 'badge fail">blocked' in client.get("/").content.decode()


def test_a_fact_without_data_says_no_data_yet_and_what_provides_it(standard, make_product):
    """The audit: "unknown fact: support.utilization" read as a broken rule when the data
    simply had not arrived (no support estimate yet)."""
    product = make_product("payments-api", stage="pilot")
    status, message = _status(product, "support-capacity", "warranty")
    assert status == "unknown"
    assert message.startswith("no data yet: support.utilization (")
    assert "unknown fact" not in message
    assert "estimate" in message  # the fact's description says what provides it
