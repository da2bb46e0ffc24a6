"""Rules are type-checked when a standard is applied, and a standard cannot strand products.

The 2026-11-29 security audit (L1, M3): ``system('id') == 0`` (unknown function),
``slo.count`` (not a bool) and ``slo.count == 'three'`` (type mismatch) were applied with
exit 0 and then stayed *unknown* for ever; a Standard with ``stages: [plan, build]`` was
applied while most products were in later stages (exit 0), which broke ``check`` and the
export/apply round trip.

The checker (``readiness/celtypes.py``) is tested against the ``cel`` runtime itself as
the oracle: every rule it accepts gives true or false when run on facts of the declared
types, and each refused unknown function fails at run time.
"""

from __future__ import annotations

from datetime import UTC, datetime

import cel
import pytest

from prodops.readiness import celtypes

FACTS = {
    "slo.count": "int",
    "teams.run": "bool",
    "oncall.rotation": "bool",
    "product.links": "list(dyn)",
    "warranty.forecast_end": "timestamp",
    "defects.open_by_severity": "map(string, dyn)",
    "pilot.decision": "string",
    "dora.change_failure_rate": "double",
}
SAMPLE = {
    "slo": {"count": 2},
    "teams": {"run": True},
    "oncall": {"rotation": False},
    "product": {"links": ["repo", "dashboard"]},
    "warranty": {"forecast_end": datetime(2027, 1, 1, tzinfo=UTC)},
    "defects": {"open_by_severity": {"critical": 0}},
    "pilot": {"decision": "proceed"},
    "dora": {"change_failure_rate": 0.1},
    "custom": {"coverage": 0.9, "load-test": True},
    "now": datetime(2026, 11, 30, tzinfo=UTC),
}


def resolve(name: str) -> str | None:
    if name in FACTS:
        return FACTS[name]
    if name.startswith("custom."):
        return "dyn"
    if name in {n.split(".")[0] for n in FACTS} | {"custom"}:
        return celtypes.NAMESPACE
    return None


ACCEPTED = [
    "slo.count > 0",
    "slo.count > 0.5",  # numbers of different kinds compare
    "'repo' in product.links",
    "has(warranty.forecast_end)",
    "custom.coverage >= 0.8",
    "custom['load-test'] == true",
    "oncall.rotation && teams.run",
    "defects.open_by_severity.critical == 0",
    "now - warranty.forecast_end < duration('720h')",
    "warranty.forecast_end.getFullYear() > 2020",
    'pilot.decision == "proceed" || pilot.decision.startsWith("hold")',
    "size(product.links) >= 2 && product.links.exists(l, l == 'repo')",
    "product.links.map(l, l + '!').all(l, l.endsWith('!'))",
    "slo.count % 2 == 0 ? teams.run : !teams.run",
    "-slo.count < 0 && dora.change_failure_rate * 2.0 <= 0.3",
    "[1, 2, 3].filter(x, x > 1).size() == 2",
    "{'a': 1}['a'] == 1 && type(slo.count) == int",
    "1e-3 < dora.change_failure_rate",
    "dyn(slo.count) == 'x' || true",
]

REFUSED = [
    ("system('id') == 0", "unknown function 'system'", 0),
    ("max(slo.count, 1) > 0", "unknown function 'max'", 0),
    ("pilot.decision.lowerAscii() == 'x'", "unknown function 'lowerAscii'", 15),
    ("slo.count", "the rule gives an int, not true or false", 0),
    ("product.links.map(l, l)", "the rule gives a list(dyn), not true or false", 0),
    ("slo.count == 'three'", "type mismatch: int == string", 10),
    ("slo.count + 1.5 > 2.0", "type mismatch: int + double", 10),
    ("teams.run > 1", "type mismatch: bool > int", 10),
    ("slo.count && teams.run", "'&&' needs bools, not an int", 10),
    ("slo.count.startsWith('a')", "an int has no method startsWith()", 10),
    ("pilot.decision.contains(1)", "contains() takes a string, not an int", 24),
    ("true ? 1 : 'a'", "the branches of '?:' differ: int and string", 5),
    ("now.getHours('UTC') > 1", "getHours() takes 0 argument(s), not 1", 4),
    ("product.links.all(l, 1)", "the condition of all() is an int, not a bool", 21),
]


@pytest.mark.parametrize("rule", ACCEPTED)
def test_accepted_rules_give_true_or_false_at_run_time(rule: str) -> None:
    celtypes.check(rule, resolve)
    assert cel.evaluate(rule, SAMPLE) in {True, False}


@pytest.mark.parametrize(("rule", "message", "offset"), REFUSED)
def test_ill_typed_rules_are_refused_with_the_position(rule: str, message: str, offset: int) -> None:
    with pytest.raises(celtypes.TypeProblem) as info:
        celtypes.check(rule, resolve)
    assert info.value.message == message
    assert info.value.offset == offset
    if message.startswith("unknown function"):
        with pytest.raises(Exception, match="Undefined variable or function"):
            cel.evaluate(rule, SAMPLE)
    elif "gives" in message:
        assert not isinstance(cel.evaluate(rule, SAMPLE), bool)


def test_syntax_the_parser_does_not_know_is_left_unchecked() -> None:
    # message construction is valid CEL the checker does not model: not refused
    assert celtypes.infer("google.protobuf.Int64Value{value: 1}", resolve) is None


BAD_STANDARD = """\
apiVersion: prodops/v1
kind: Standard
metadata: {{slug: acme}}
spec:
  criteria:
    - id: fine
      gate: pilot
      rule: slo.count > 0
    - id: bad
      gate: pilot
      rule: |-
        slo.count > 0 &&
          {rule}
"""


@pytest.mark.parametrize(
    ("rule", "message", "column"),
    [
        ("system('id') == 0", "unknown function 'system'", 3),
        ("slo.count", "'&&' needs bools, not an int", 15),
        ("slo.count == 'three'", "type mismatch: int == string", 13),
    ],
)
@pytest.mark.usefixtures("db")
def test_apply_refuses_ill_typed_rules_naming_the_criterion(prodops, tmp_path, rule, message, column):
    from prodops.readiness.models import Standard

    path = tmp_path / "acme.yaml"
    path.write_text(BAD_STANDARD.format(rule=rule))
    code, _, err = prodops("apply", "-f", str(path))
    assert code == 2, err
    assert "acme.yaml:" in err and "spec.criteria.1.rule" in err
    assert f"criterion 'bad': {message}" in err
    line_col = f"rule line {2 if message.startswith(('unknown', 'type')) else 1}, column {column}"
    assert line_col in err
    assert not Standard.objects.exists()


def test_apply_refuses_a_rule_that_is_not_a_bool(prodops, tmp_path, db):
    path = tmp_path / "acme.yaml"
    path.write_text(BAD_STANDARD.format(rule="RULE").replace("slo.count > 0 &&\n          RULE", "slo.count"))
    code, _, err = prodops("apply", "-f", str(path))
    assert code == 2
    assert "criterion 'bad': the rule gives an int, not true or false (rule line 1, column 1)" in err


def test_a_standard_that_drops_a_stage_in_use_is_refused(prodops, tmp_path, make_product):
    from prodops.readiness.models import Standard

    make_product("checkout", stage="operate")
    make_product("search", stage="pilot")
    make_product("draft", stage="build")
    make_product("other", stage="operate", standard="elsewhere")
    path = tmp_path / "default.yaml"
    path.write_text(
        "apiVersion: prodops/v1\nkind: Standard\nmetadata: {slug: default}\n"
        "spec:\n  stages: [plan, build]\n  criteria:\n"
        "    - {id: owners, gate: build, rule: owners.complete}\n"
    )
    code, _, err = prodops("apply", "-f", str(path))
    assert code == 2, err
    assert "spec.stages" in err and "2 product(s) on standard 'default'" in err
    assert "checkout (operate), search (pilot)" in err and "draft" not in err and "other" not in err
    assert not Standard.objects.filter(slug="default").exists()
    # keeping every stage in use is fine
    path.write_text(path.read_text().replace("[plan, build]", "[plan, build, pilot, operate]"))
    assert prodops("apply", "-f", str(path))[0] == 0


def test_a_stored_standard_with_an_ill_typed_rule_still_loads(db):
    # applied before the check existed: it must not break evaluation of its products
    from prodops.readiness.models import Standard
    from prodops.readiness.services import get_standard

    Standard.objects.create(
        slug="old",
        name="Old",
        version=1,
        digest="x",
        spec={"criteria": [{"id": "c", "gate": "pilot", "rule": "slo.count"}]},
    )
    assert get_standard("old").by_id["c"].program is not None
