"""`prodops import backstage`: real-shaped catalog-info.yaml files (Backstage descriptor
format, backstage.io/docs/features/software-catalog/descriptor-format) map onto people,
teams and products; what cannot be mapped is reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db.models import F

from prodops.catalog.backstage import parse_ref, to_slug
from prodops.catalog.models import SLO, Person, Product, Team
from tests.manifests.conftest import catalog_counts

FILES = Path(__file__).parent / "backstage"
DEFAULTS = ["--build-lead", "alice@acme.example.com", "--run-lead", "bob@acme.example.com"]


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("payments-team", ("group", "default", "payments-team")),
        ("group:payments_ops", ("group", "default", "payments_ops")),
        ("user:default/alice", ("user", "default", "alice")),
        ("User:ops/bob", ("user", "ops", "bob")),
        ("infra/platform", ("group", "infra", "platform")),
    ],
)
def test_entity_refs(ref, expected):
    assert parse_ref(ref, "group") == expected


def test_names_become_slugs():
    assert to_slug("Legacy_Checkout.v2") == "legacy-checkout-v2"
    assert to_slug("---") is None


@pytest.mark.django_db
def test_import_maps_components_groups_users_and_systems(prodops):
    code, out, err = prodops("import", "backstage", str(FILES), *DEFAULTS)
    assert code == 1, err  # three entities are reported as not imported (below)
    assert "Imported 8 object(s): 8 created" in out

    api = Product.objects.get(slug="payments-api")
    assert (api.name, api.stage, api.tier) == ("Payments API", "operate", 1)  # lifecycle production
    assert (api.build_lead.email, api.run_lead.email) == ("alice@acme.example.com", "bob@acme.example.com")
    assert api.build_team is not None and api.build_team.slug == "payments-team"  # spec.owner
    assert api.run_team is not None and api.run_team.slug == "payments-ops"  # annotation
    assert api.tags == ["java", "pci", "system:payments"]
    assert api.links == {
        "dashboard": "https://grafana.acme.example.com/d/payments",
        "repo": "https://github.com/acme/payments-api",
    }
    fraud = Product.objects.get(slug="fraud-scoring")
    assert fraud.stage == "build"  # experimental
    assert fraud.links == {"repo": "https://github.com/acme/fraud-scoring/tree/main/"}
    assert fraud.build_lead.email == "alice@acme.example.com"  # the owning user
    assert Product.objects.get(slug="legacy-checkout").stage == "retire"  # deprecated
    assert Product.objects.get(slug="ledger-ui").stage == "plan"  # beta has no stage

    ops = Team.objects.get(slug="payments-ops")
    assert (ops.kind, ops.capacity_hours_per_week) == ("run", 120)
    assert list(ops.members.values_list("email", flat=True)) == ["bob@acme.example.com"]
    dev = Team.objects.get(slug="payments-team")
    assert (dev.name, dev.kind) == ("Payments Team", "build")
    assert list(dev.members.values_list("email", flat=True)) == ["alice@acme.example.com"]
    assert Person.objects.get(email="alice@acme.example.com").name == "Alice Archer"

    report = out.split("Not imported", 1)[1]
    assert "user:default/nomail: no spec.profile.email" in report
    assert "group:default/acme-corp: group type 'organization' is not a team" in report
    assert "api:default/payments-rest: kind API has no counterpart" in report
    assert "member 'ghost' has no User entity" in report
    assert "lifecycle 'beta' has no stage; set to plan" in report
    assert "metadata.links[1] has no http(s) url" in report


@pytest.mark.django_db
def test_components_without_two_leads_are_reported_not_imported(prodops):
    code, out, err = prodops("import", "backstage", str(FILES))
    assert code == 1  # some entities were not imported: never a silent success
    assert "not imported" in err
    assert "component:default/legacy_checkout: no build lead and no run lead" in out
    assert "component:default/fraud-scoring: no run lead" in out
    assert sorted(Product.objects.values_list("slug", flat=True)) == ["ledger-ui", "payments-api"]


@pytest.mark.django_db
def test_reimport_is_unchanged_and_keeps_what_prodops_owns(prodops, tmp_path):
    prodops("import", "backstage", str(FILES), *DEFAULTS)
    api = Product.objects.get(slug="payments-api")
    SLO.objects.create(product=api, name="availability", objective=99.9)
    Product.objects.filter(pk=api.pk).update(stage="warranty")
    before = catalog_counts()

    code, out, _ = prodops("import", "backstage", str(FILES), *DEFAULTS)
    assert code == 1  # the organization group, a user without email and the API entity
    assert "8 unchanged" in out
    assert catalog_counts() == before
    api.refresh_from_db()
    assert api.stage == "warranty"
    assert list(api.slos.values_list("name", flat=True)) == ["availability"]


@pytest.mark.django_db
def test_dry_run_and_print_change_nothing(prodops):
    before = catalog_counts()
    code, out, _ = prodops("import", "backstage", str(FILES), *DEFAULTS, "--dry-run")
    assert code == 1
    assert "product/payments-api created (dry run)" in out
    code, out, err = prodops("import", "backstage", str(FILES), *DEFAULTS, "--print")
    assert code == 1
    assert "kind: Product\nmetadata:\n  slug: payments-api\n" in out
    assert "Not imported" in err
    assert catalog_counts() == before


@pytest.mark.django_db
def test_a_broken_file_is_exit_2_with_its_line(prodops, tmp_path):
    path = tmp_path / "catalog-info.yaml"
    path.write_text("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: [x\n")
    code, _, err = prodops("import", "backstage", str(path))
    assert code == 2
    assert f"{path}:" in err
    assert "YAML syntax error" in err


@pytest.mark.django_db
def test_exit_0_only_when_every_entity_was_imported(prodops, tmp_path):
    path = tmp_path / "catalog-info.yaml"
    path.write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: quotes\n"
        "  annotations:\n    prodops.io/build-lead: alice@acme.example.com\n"
        "    prodops.io/run-lead: bob@acme.example.com\n"
        "spec:\n  type: service\n  lifecycle: production\n  owner: user:default/alice\n"
        "---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: alice\n"
        "spec:\n  profile:\n    email: alice@acme.example.com\n"
        "---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: bob\n"
        "spec:\n  profile:\n    email: bob@acme.example.com\n"
        "---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: quotes-api\n"
        "spec:\n  type: openapi\n  lifecycle: production\n  owner: x\n  definition: '{}'\n"
    )
    code, out, err = prodops("import", "backstage", str(path))
    assert code == 1 and "api:default/quotes-api" in out and "1 entity was not imported" in err
    assert Product.objects.filter(slug="quotes").exists()  # what could be imported, was
    text = path.read_text()  # the API entity is the last document: drop it
    path.write_text(text[: text.index("---\napiVersion: backstage.io/v1alpha1\nkind: API")])
    code, out, _ = prodops("import", "backstage", str(path))
    assert code == 0, out
    assert "Not imported" not in out


@pytest.mark.django_db
def test_one_person_as_both_leads_is_refused_naming_both_fields(prodops):
    """Audit H3: the Backstage import accepted build_lead == run_lead."""
    same = ["--build-lead", "alice@acme.example.com", "--run-lead", "alice@acme.example.com"]
    code, _, err = prodops("import", "backstage", str(FILES), *same)
    assert code == 2
    assert "owners.build_lead and owners.run_lead must be two different people" in err
    assert not Product.objects.filter(build_lead=F("run_lead")).exists()
