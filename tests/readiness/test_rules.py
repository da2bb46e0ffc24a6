"""The pure rule engine: compilation checks, the fact-name mapping, evaluation."""

from datetime import UTC, date, datetime, timedelta

import pytest

from prodops.readiness import rules
from prodops.readiness.rules import Attest, Criterion, FactCatalog, FactName, RuleError

CATALOG = FactCatalog(
    [
        FactName("docs.<kind>.count", "int"),
        FactName("slo.count", "int"),
        FactName("product.tier", "int"),
        FactName("product.links", "list"),
        FactName("custom.<key>", "string"),
        FactName("go_live", "date"),
    ]
)
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def std(*criteria: Criterion) -> rules.CompiledStandard:
    return rules.compile_standard(
        slug="t", version=1, stages=("plan", "build", "pilot", "operate"), criteria=criteria, catalog=CATALOG
    )


def test_syntax_error_names_criterion_line_and_column():
    with pytest.raises(RuleError) as err:
        rules.compile_rule("runbook", "docs.runbook.count >", CATALOG)
    assert err.value.criterion_id == "runbook"
    assert (err.value.line, err.value.column) == (1, 21)


def test_unknown_fact_is_refused_with_its_position():
    with pytest.raises(RuleError) as err:
        rules.compile_rule("slo", "slo.count > 0 &&\n  slos.total > 1", CATALOG)
    assert "unknown fact 'slos.total'" in err.value.message
    assert (err.value.line, err.value.column) == (2, 3)


def test_field_of_a_scalar_fact_is_refused():
    with pytest.raises(RuleError, match="no field 'x'"):
        rules.compile_rule("c", "slo.count.x > 0", CATALOG)


def test_functions_methods_macros_and_strings_are_not_facts():
    expr = (
        "size(product.links) > 0 && product.links.exists(l, l == 'docs.fake') && custom['load-test'] == true"
    )
    _, facts = rules.compile_rule("c", expr, CATALOG)
    assert facts == ("product.links",)


def test_dotted_names_become_nested_maps():
    s = std(Criterion(id="rb", gate="build", rule="docs.runbook.count > 0 && custom.coverage >= 0.8"))
    [res] = rules.evaluate_product(
        s, facts={"docs.runbook.count": 2, "custom.coverage": 0.9}, tier=1, now=NOW
    )
    assert res.status == "pass"
    assert res.value == {"docs.runbook.count": 2, "custom.coverage": 0.9}


def test_missing_fact_is_unknown_unless_not_needed():
    s = std(
        Criterion(id="a", gate="build", rule="custom.coverage >= 0.8"),
        Criterion(id="b", gate="build", rule="slo.count > 5 && custom.coverage >= 0.8"),
        Criterion(id="c", gate="build", rule="has(custom.coverage)"),
    )
    a, b, c = rules.evaluate_product(s, facts={"slo.count": 1}, tier=1, now=NOW)
    assert a.status == "unknown"
    assert a.message.startswith("no data yet: custom.coverage")
    assert b.status == "fail"  # CEL's && does not need the right side when the left is false
    assert c.status == "fail"


def test_dates_compare_as_timestamps():
    s = std(Criterion(id="d", gate="build", rule="now - go_live > duration('720h')"))
    [res] = rules.evaluate_product(s, facts={"go_live": date(2026, 9, 1)}, tier=1, now=NOW)
    assert res.status == "pass"


def test_tiers_filter_criteria():
    s = std(
        Criterion(id="t12", gate="build", tiers=(1, 2), rule="slo.count > 0"),
        Criterion(id="all", gate="build", rule="slo.count > 0"),
    )
    assert [r.id for r in rules.evaluate_product(s, facts={"slo.count": 0}, tier=3, now=NOW)] == ["all"]
    assert len(rules.evaluate_product(s, facts={"slo.count": 0}, tier=1, now=NOW)) == 2


def test_attestation_passes_until_it_expires():
    s = std(Criterion(id="acc", gate="operate", attest=Attest("run_lead", timedelta(days=90))))
    info = rules.AttestationInfo(by="bob@example.com", at=NOW, expires_at=NOW + timedelta(days=90))
    [ok] = rules.evaluate_product(
        s, facts={}, tier=1, now=NOW + timedelta(days=89), attestations={"acc": info}
    )
    [late] = rules.evaluate_product(
        s, facts={}, tier=1, now=NOW + timedelta(days=90), attestations={"acc": info}
    )
    [none] = rules.evaluate_product(s, facts={}, tier=1, now=NOW)
    assert (ok.status, late.status, none.status) == ("pass", "fail", "fail")
    assert "expired" in late.message


def test_gates_are_cumulative():
    s = std(
        Criterion(id="b", gate="build", rule="slo.count > 0"),
        Criterion(id="p", gate="pilot", rule="product.tier > 0"),
        Criterion(id="adv", gate="pilot", severity="advisory", rule="slo.count > 10"),
    )
    results = rules.evaluate_product(s, facts={"slo.count": 0, "product.tier": 1}, tier=1, now=NOW)
    assert [r.id for r in rules.gate_blockers(s, results, "pilot")] == ["b"]
    results = rules.evaluate_product(s, facts={"slo.count": 1, "product.tier": 1}, tier=1, now=NOW)
    assert rules.gate_blockers(s, results, "operate") == []


def test_durations():
    assert rules.parse_duration("14d") == timedelta(days=14)
    assert rules.parse_duration("12h") == timedelta(hours=12)
    with pytest.raises(ValueError, match="not a duration"):
        rules.parse_duration("two weeks")


def test_namespace_indexing_reads_facts_not_named_in_the_rule():
    s = std(Criterion(id="lt", gate="build", rule='custom["load-test"] == true && slo.count > 0'))
    facts = {"custom.load-test": True, "slo.count": 1, "docs.faq.count": 3}
    [res] = rules.evaluate_product(s, facts=facts, tier=1, now=NOW)
    assert res.status == "pass"
    assert s.wants("custom.load-test") and not s.wants("docs.faq.count")
