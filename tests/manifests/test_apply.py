"""`prodops apply`: idempotent, dry runs change nothing, files/folders/stdin, audited."""

from __future__ import annotations

import io

import pytest

from prodops.audit.models import AuditEntry
from prodops.catalog.models import Person, Product, Team
from tests.manifests.conftest import PORTFOLIO, catalog_counts

pytestmark = pytest.mark.django_db


def test_apply_creates_then_reports_unchanged(prodops, portfolio_file):
    code, out, _ = prodops("apply", "-f", str(portfolio_file))
    assert code == 0
    assert "product/payments-api created" in out
    assert "person/alice@example.com created" in out  # stored lower-case
    assert "Applied 7 object(s): 7 created, 0 updated, 0 unchanged." in out
    product = Product.objects.get(slug="payments-api")
    assert (product.build_lead.email, product.run_lead.email) == ("alice@example.com", "bob@example.com")
    assert product.run_team is not None and product.run_team.slug == "payments-support"
    assert product.warranty["severities"] == ["critical"]
    assert sorted(s.name for s in product.slos.all()) == ["availability", "latency-p99"]
    assert product.stakeholders.get().function == "customer service"
    assert sorted(Team.objects.get(slug="payments-support").members.values_list("email", flat=True)) == [
        "bob@example.com",
        "carol@example.com",
    ]
    before = catalog_counts()

    code, out, _ = prodops("apply", "-f", str(portfolio_file))
    assert code == 0
    assert out.count(" unchanged\n") == 7
    assert "0 created, 0 updated, 7 unchanged" in out
    assert catalog_counts() == before  # no new audit entries, no version bump


def test_a_change_updates_bumps_the_version_and_is_audited(prodops, portfolio_file):
    prodops("apply", "-f", str(portfolio_file))
    portfolio_file.write_text(PORTFOLIO.replace("tier: 1", "tier: 2"))
    code, out, _ = prodops("apply", "-f", str(portfolio_file))
    assert code == 0
    assert "product/payments-api updated" in out
    assert "product/ledger unchanged" in out
    product = Product.objects.get(slug="payments-api")
    assert (product.tier, product.version) == (2, 2)
    entry = AuditEntry.objects.filter(action="product.updated").get()
    assert entry.changes == {"tier": [1, 2]}
    assert (entry.via, entry.product_id) == ("cli", product.pk)


def test_dry_run_reports_and_changes_nothing(prodops, portfolio_file):
    before = catalog_counts()
    code, out, _ = prodops("apply", "--dry-run", "-f", str(portfolio_file))
    assert code == 0
    assert "product/payments-api created (dry run)" in out
    assert "Would apply 7 object(s)" in out
    assert catalog_counts() == before

    prodops("apply", "-f", str(portfolio_file))
    before = catalog_counts()
    portfolio_file.write_text(PORTFOLIO.replace("tier: 1", "tier: 2"))
    code, out, _ = prodops("apply", "--dry-run", "-f", str(portfolio_file))
    assert "product/payments-api updated (dry run)" in out
    assert catalog_counts() == before
    assert Product.objects.get(slug="payments-api").tier == 1


def test_apply_a_folder_and_stdin(prodops, tmp_path, monkeypatch):
    people, rest = PORTFOLIO.split("---\napiVersion: prodops/v1\nkind: Team", 1)
    (tmp_path / "b-people.yaml").write_text(people)
    # Files are read in name order but applied in kind order: teams need people first.
    (tmp_path / "a-rest.yaml").write_text("apiVersion: prodops/v1\nkind: Team" + rest)
    (tmp_path / "notes.txt").write_text("not a manifest")
    code, out, err = prodops("apply", "-f", str(tmp_path))
    assert code == 0, err
    assert "7 created" in out

    monkeypatch.setattr("sys.stdin", io.StringIO(PORTFOLIO.replace("Bob Baker", "Robert Baker")))
    code, out, _ = prodops("apply", "-f", "-")
    assert code == 0
    assert "person/bob@example.com updated" in out
    assert Person.objects.get(email="bob@example.com").name == "Robert Baker"


def test_json_documents_apply_too(prodops, portfolio_file, tmp_path):
    prodops("apply", "-f", str(portfolio_file))
    _, exported, _ = prodops("export", "--format", "json")
    path = tmp_path / "catalog.json"
    path.write_text(exported)
    code, out, _ = prodops("apply", "-f", str(path))
    assert code == 0
    assert "7 unchanged" in out


def test_missing_path_is_a_usage_error(prodops, tmp_path):
    code, _, err = prodops("apply", "-f", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "no such file or folder" in err


def test_apply_cannot_move_an_existing_product_to_another_stage(prodops, portfolio_file):
    """A config file must not force a gate open: stage changes go through transitions."""
    prodops("apply", "-f", str(portfolio_file))
    before = catalog_counts()
    stage = Product.objects.get(slug="payments-api").stage
    portfolio_file.write_text(PORTFOLIO.replace(f"stage: {stage}", "stage: operate", 1))
    code, _, err = prodops("apply", "-f", str(portfolio_file))
    assert code == 2
    assert "spec.stage" in err
    assert "only through a transition" in err
    assert Product.objects.get(slug="payments-api").stage == stage
    assert catalog_counts() == before
