"""`prodops apply` changes only what a file states: records added in the web or the API
(documents, SLOs, links, stakeholders) stay, and fields the file leaves out keep their
values. `--prune` makes the product match the file; `--prune --dry-run` lists exactly
what that deletes and changes nothing (the audit's runbook, deleted by an apply of a
file without `docs:`)."""

from __future__ import annotations

from datetime import date

import pytest

from prodops.catalog.models import Product

pytestmark = pytest.mark.django_db

FILE = """\
apiVersion: prodops/v1
kind: Person
metadata: {email: alice@example.com, name: Alice}
---
apiVersion: prodops/v1
kind: Person
metadata: {email: bob@example.com, name: Bob}
---
apiVersion: prodops/v1
kind: Product
metadata: {slug: ledger, name: Ledger}
spec:
  tier: 2
  owners: {build_lead: alice@example.com, run_lead: bob@example.com}
  links: {repo: "https://git.example.com/ledger"}
  slos: [{name: availability, objective: 99.9}]
  docs:
    - {kind: architecture, title: Architecture, url: "https://wiki.example.com/ledger/arch"}
"""


@pytest.fixture
def ledger(prodops, tmp_path):
    from prodops.catalog import services as catalog
    from prodops.core.actors import Actor
    from prodops.knowledge import services as knowledge

    path = tmp_path / "ledger.yaml"
    path.write_text(FILE)
    assert prodops("apply", "-f", str(path))[0] == 0
    product = Product.objects.get(slug="ledger")
    web = Actor.cli("alice@example.com")  # what a lead adds in the web, through the same services
    knowledge.create_document(
        actor=web,
        product=product,
        kind="runbook",
        title="Ledger runbook",
        body="# Restart",
        reviewed=date(2026, 11, 1),
    )
    catalog.update_product(
        actor=web,
        product=product,
        changes={
            "links": {**product.links, "dashboard": "https://grafana.example.com/ledger"},
            "slos": [
                {"name": "availability", "objective": 99.9},
                {"name": "latency-p99", "objective": 99.0, "window": "7d"},
            ],
            "stakeholders": [{"function": "sales", "person": "alice@example.com"}],
            "go_live": "2026-12-15",
        },
    )
    return path


def _state():
    product = Product.objects.get(slug="ledger")
    return {
        "docs": sorted(product.documents.values_list("title", flat=True)),
        "slos": sorted(product.slos.values_list("name", flat=True)),
        "links": sorted(product.links),
        "stakeholders": sorted(product.stakeholders.values_list("function", flat=True)),
        "go_live": product.go_live,
        "tier": product.tier,
    }


def test_apply_keeps_what_was_added_elsewhere_and_changes_what_the_file_states(prodops, ledger):
    before = _state()
    assert before["docs"] == ["Architecture", "Ledger runbook"]
    # the same file again: nothing the web added goes
    code, out, _ = prodops("apply", "-f", str(ledger))
    assert code == 0 and "deleted" not in out
    assert _state() == before
    # a file without docs, SLOs or links (the audit's case) and with another tier
    ledger.write_text(FILE.split("  links:", maxsplit=1)[0].replace("tier: 2", "tier: 1"))
    code, out, _ = prodops("apply", "-f", str(ledger))
    assert code == 0, out
    after = _state()
    assert after == {**before, "tier": 1}


def test_prune_dry_run_lists_exactly_what_prune_deletes(prodops, ledger):
    before = _state()
    code, out, _ = prodops("apply", "-f", str(ledger), "--prune", "--dry-run")
    assert code == 0
    listed = sorted(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("would delete: "))
    assert listed == sorted(
        [
            "product/ledger doc runbook 'Ledger runbook'",
            "product/ledger slo latency-p99",
            "product/ledger link dashboard",
            "product/ledger stakeholder alice@example.com (sales)",
            "product/ledger go_live (cleared)",
        ]
    )
    assert _state() == before  # a dry run changes nothing
    code, out, _ = prodops("apply", "-f", str(ledger), "--prune")
    assert code == 0
    deleted = sorted(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("deleted: "))
    assert deleted == listed
    assert _state() == {
        "docs": ["Architecture"],
        "slos": ["availability"],
        "links": ["repo"],
        "stakeholders": [],
        "go_live": None,
        "tier": 2,
    }
    # pruned to the file: a second prune has nothing left to delete
    code, out, _ = prodops("apply", "-f", str(ledger), "--prune", "--dry-run")
    assert code == 0 and "would delete" not in out
