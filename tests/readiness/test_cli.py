"""`prodops check`, `evaluate`, `facts`, `waivers`, and `apply` of a Standard, with the
exit codes a CI pipeline sees. Commands run through ``call_command`` (the console
script's own path closes the database connection, which a test transaction cannot
survive); exit codes are mapped exactly as ``prodops.cli.main`` maps them."""

import io
import json
import sys
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from prodops.cli import ALIASES
from prodops.core.errors import ProdOpsError
from prodops.core.facts import specs
from prodops.readiness.models import ProductEvaluation, Standard
from prodops.readiness.services import create_waiver, set_custom_facts, sign_waiver


def main(argv: list[str]) -> int:
    out, err = io.StringIO(), io.StringIO()
    name = ALIASES.get(argv[0], argv[0].replace("-", "_"))
    try:
        call_command(name, *argv[1:], stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    except CommandError as exc:
        err.write(f"CommandError: {exc}\n")
        code = exc.returncode
    except ProdOpsError as exc:  # the one hierarchy, as prodops.cli.main maps it
        err.write(f"prodops {argv[0]}: {exc.as_cli_line()}\n")
        code = exc.exit_code
    sys.stdout.write(out.getvalue())
    sys.stderr.write(err.getvalue())
    return code


STANDARD = """\
apiVersion: prodops/v1
kind: Standard
metadata: {slug: acme, name: ACME handover standard}
spec:
  criteria:
    - id: runbook
      title: A runbook exists
      gate: pilot
      area: documentation
      severity: blocking
      tiers: [1, 2]
      rule: docs.runbook.count > 0
      why: Support cannot run what is not written down.
      fix: Add a document of kind runbook and keep it reviewed.
    - id: coverage
      gate: pilot
      rule: custom.coverage >= 0.8
      why: Untested code breaks.
      fix: Write tests.
    - id: run-lead-accepts
      gate: warranty
      attest: {role: run_lead, every: 90d}
"""


def test_apply_standard_then_check_fails_then_passes(tmp_path, make_product, actor, capsys):
    path = tmp_path / "acme.yaml"
    path.write_text(STANDARD)
    assert main(["apply", "-f", str(path)]) == 0
    assert Standard.objects.get(slug="acme").version == 1
    product = make_product("pay", standard="acme", tier=1, stage="build")
    capsys.readouterr()

    assert main(["check", "pay"]) == 1
    out = capsys.readouterr().out
    assert "NOT READY to enter pilot" in out
    assert "runbook [blocking, gate pilot]" in out and "why: Support cannot run" in out
    assert "fix: Add a document of kind runbook" in out

    from prodops.knowledge.services import create_document

    create_document(
        actor=actor,
        product=product,
        kind="runbook",
        title="Pay runbook",
        url="https://wiki.example.com/pay/runbook",
    )
    set_custom_facts(actor=actor, product=product, facts={"coverage": 0.9})
    assert main(["check", "pay", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ready"] is True and data["gate"] == "pilot"
    assert {c["id"]: (c["status"], c["value"]) for c in data["criteria"]} == {
        "runbook": ("pass", 1),
        "coverage": ("pass", 0.9),
    }


def test_invalid_rule_is_refused_at_apply_with_position(tmp_path, db, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(
        STANDARD.replace(
            "rule: custom.coverage >= 0.8",
            "rule: |-\n        custom.coverage >= 0.8 &&\n          slo.cnt > 0",
        )
    )
    assert main(["apply", "-f", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:" in err and "spec.criteria.1.rule" in err
    assert "criterion 'coverage': unknown fact 'slo.cnt'" in err and "rule line 2, column 3" in err
    assert not Standard.objects.exists()


def test_junit_output_and_usage_errors(make_product, capsys, db):
    make_product("pay", stage="plan")
    assert main(["check", "pay", "--gate", "build", "--format", "junit"]) == 1
    suite = ET.fromstring(capsys.readouterr().out).find("testsuite")
    assert suite is not None and int(suite.get("failures", "0")) >= 1
    failing = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert "handover-plan" in failing
    assert main(["check", "nope"]) == 2
    assert main(["check", "pay", "--gate", "moon"]) == 2
    assert "'moon' is not a gate" in capsys.readouterr().err


def test_evaluate_stores_results(make_product, capsys, db):
    make_product("pay")
    make_product("web", build_lead=make_product("x").build_lead)
    assert main(["evaluate", "--all"]) == 0
    assert ProductEvaluation.objects.count() == 3
    assert "Evaluated 3 product(s)" in capsys.readouterr().out
    assert main(["evaluate"]) == 2
    assert main(["evaluate", "nope"]) == 2


def test_waivers_expiring(make_product, people, capsys):
    product = make_product("pay", stage="plan")
    now = timezone.now()
    w = create_waiver(
        actor=people["alice"],
        product=product,
        criterion_id="build-team",
        reason="Team forming",
        expires_at=now + timedelta(days=10),
    )
    assert main(["waivers"]) == 0
    assert "unsigned" in capsys.readouterr().out
    sign_waiver(actor=people["bob"], waiver=w)
    assert main(["waivers", "--expiring", "14d"]) == 0
    assert "build-team" in capsys.readouterr().out
    assert main(["waivers", "--expiring", "7d"]) == 0
    assert "No waivers." in capsys.readouterr().out
    assert main(["waivers", "--expiring", "soon"]) == 2


def test_every_fact_is_documented(db, capsys):
    """docs/facts.md is generated by `prodops facts --format markdown`; regenerate it when
    a fact is added."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "facts.md").read_text()
    for spec in specs():
        assert spec.description.strip(), f"fact {spec.name} has no description"
        assert spec.type and spec.unit is not None
        assert f"| `{spec.name}` | {spec.type} |" in text, f"fact {spec.name} is missing from docs/facts.md"
    assert main(["facts"]) == 0
    assert "owners.complete" in capsys.readouterr().out
