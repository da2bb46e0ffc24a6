"""Every kind of bad input: exit 2, one message naming file, document, line and field,
and nothing applied (the valid documents before the bad one are rolled back too)."""

from __future__ import annotations

import pytest

from tests.manifests.conftest import PORTFOLIO, catalog_counts

pytestmark = pytest.mark.django_db

PERSON = "apiVersion: prodops/v1\nkind: Person\nmetadata: {email: erin@example.com, name: Erin}\n---\n"

# (case, document text, expected line, expected field, expected words in the message)
CASES = [
    (
        "syntax error",
        "apiVersion: prodops/v1\nkind: Team\nmetadata: {slug: a, name: [A\n",
        4,
        "",
        "YAML syntax",
    ),
    (
        "unknown kind",
        "apiVersion: prodops/v1\nkind: Service\nmetadata: {slug: a}\n",
        2,
        "kind",
        "unknown kind 'Service'",
    ),
    (
        "misspelt field",
        (
            "apiVersion: prodops/v1\nkind: Product\nmetadata: {slug: a, name: A}\nspec:\n"
            "  owners: {build_lead: alice@example.com, run_lead: bob@example.com}\n  teir: 2\n"
        ),
        6,
        "spec.teir",
        "did you mean 'tier'",
    ),
    (
        "wrong type",
        (
            "apiVersion: prodops/v1\nkind: Team\nmetadata: {slug: a, name: A}\nspec:\n  kind: run\n"
            "  capacity_hours_per_week: lots\n"
        ),
        6,
        "spec.capacity_hours_per_week",
        "valid number",
    ),
    (
        "missing run lead",
        (
            "apiVersion: prodops/v1\nkind: Product\nmetadata: {slug: a, name: A}\nspec:\n"
            "  tier: 2\n  owners:\n    build_lead: alice@example.com\n"
        ),
        6,
        "spec.owners.run_lead",
        "required field is missing",
    ),
    (
        "unknown team",
        (
            "apiVersion: prodops/v1\nkind: Product\nmetadata: {slug: a, name: A}\nspec:\n"
            "  owners: {build_lead: alice@example.com, run_lead: bob@example.com}\n"
            "  teams:\n    run: no-such-team\n"
        ),
        7,
        "spec.teams.run",
        "no team with slug 'no-such-team'",
    ),
    (
        "unknown person",
        (
            "apiVersion: prodops/v1\nkind: Product\nmetadata: {slug: a, name: A}\nspec:\n"
            "  owners: {build_lead: alice@example.com, run_lead: zed@example.com}\n"
        ),
        5,
        "spec.owners.run_lead",
        "no person with email 'zed@example.com'",
    ),
    (
        "unknown stage",
        (
            "apiVersion: prodops/v1\nkind: Product\nmetadata: {slug: a, name: A}\nspec:\n"
            "  stage: launch\n  owners: {build_lead: alice@example.com, run_lead: bob@example.com}\n"
        ),
        5,
        "spec.stage",
        "unknown stage 'launch'",
    ),
    (
        "duplicate key",
        "apiVersion: prodops/v1\nkind: Person\nmetadata: {email: x@example.com}\nkind: Team\n",
        4,
        "kind",
        "duplicate key",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_a_located_message(prodops, portfolio_file, tmp_path, case):
    _, text, line, field, words = case
    prodops("apply", "-f", str(portfolio_file))
    before = catalog_counts()
    path = tmp_path / "bad.yaml"
    # A valid document first: it must be rolled back with the rest.
    path.write_text(PERSON + text)
    code, out, err = prodops("apply", "-f", str(path))
    assert code == 2, out
    offset = PERSON.count("\n")
    assert f"{path}:{line + offset}: document 2" in err
    if field:
        assert f"field {field}:" in err
    assert words in err
    assert catalog_counts() == before


def test_every_error_of_a_file_is_reported_at_once(prodops, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "apiVersion: prodops/v1\nkind: Team\nmetadata: {slug: a, name: A}\nspec: {kind: ops}\n---\n"
        "apiVersion: prodops/v2\nkind: Person\nmetadata: {email: x@example.com}\n"
    )
    code, _, err = prodops("apply", "-f", str(path))
    assert code == 2
    assert "2 error(s)" in err
    assert f"{path}:4: document 1 (Team a): field spec.kind:" in err
    assert f"{path}:6: document 2 (Person x@example.com): field apiVersion: must be 'prodops/v1'" in err


def test_an_object_defined_twice_is_an_error(prodops, tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text(PORTFOLIO + "---\n" + PORTFOLIO.split("---\n")[1])
    code, _, err = prodops("apply", "-f", str(path))
    assert code == 2
    assert "field metadata.email: Person 'bob@example.com' is already defined" in err
