"""Adding documents, risks and known errors from the product page (HTMX and plain posts)."""

from __future__ import annotations

import pytest

from prodops.audit.models import AuditEntry


@pytest.fixture
def product(make_product, personas):
    """carol works in the product's build team: she may add its evidence."""
    from prodops.catalog.models import Person, Team

    team = Team.objects.create(slug="pay-dev", name="Payments dev", kind="build")
    team.members.set([Person.objects.get(email="carol@example.com")])
    return make_product("payments-api", name="Payments API", build_team=team)


def test_a_member_outside_the_products_teams_may_not_add_evidence(client, personas, product):
    client.force_login(personas["dave"])  # a viewer
    data = {
        "risks-title": "x",
        "risks-likelihood": "3",
        "risks-impact": "5",
        "risks-next_review": "2026-12-01",
    }
    assert client.post("/products/payments-api/add/risks/", data).status_code == 403
    product.build_team.members.clear()
    client.force_login(personas["carol"])
    assert client.post("/products/payments-api/add/risks/", data).status_code == 403
    assert not product.risks.exists()


def test_htmx_add_document_swaps_the_section_and_signals_a_change(client, personas, product):
    client.force_login(personas["carol"])
    response = client.post(
        "/products/payments-api/add/documents/",
        {
            "documents-kind": "runbook",
            "documents-title": "Payments runbook",
            "documents-url": "https://wiki.example.com/pay/runbook",
            "documents-reviewed": "2026-10-01",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "facts-changed"
    assert response.content.lstrip().startswith(b'<section class="card" id="section-documents"')
    assert b"Payments runbook" in response.content
    assert product.documents.get().kind == "runbook"
    entry = AuditEntry.objects.get(action="document.create")
    assert (entry.actor, entry.via, entry.product) == ("carol@example.com", "web", product)


def test_plain_post_redirects_back_to_the_product(client, personas, product):
    client.force_login(personas["carol"])
    response = client.post(
        "/products/payments-api/add/risks/",
        {
            "risks-title": "Single database",
            "risks-likelihood": "3",
            "risks-impact": "5",
            "risks-next_review": "2026-12-01",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/products/payments-api/#section-risks"
    assert product.risks.get().score == 15
    assert b"Single database" in client.get("/products/payments-api/").content


def test_field_errors_are_shown_next_to_the_field_and_nothing_is_written(client, personas, product):
    client.force_login(personas["carol"])
    response = client.post(
        "/products/payments-api/add/known-errors/",
        {"known-errors-title": "Timeouts", "known-errors-symptom": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert b'id="id_known-errors-symptom_errors"' in response.content
    assert not product.known_errors.exists()
    plain = client.post("/products/payments-api/add/known-errors/", {"known-errors-title": "x"})
    assert plain.status_code == 400
    assert b"This field is required" in plain.content


def test_service_errors_land_on_their_field(client, personas, product):
    client.force_login(personas["carol"])
    response = client.post(
        "/products/payments-api/add/documents/",
        {
            "documents-kind": "runbook",
            "documents-title": "No link",
            "documents-owner_email": "nobody@example.com",
        },
        headers={"HX-Request": "true"},
    )
    assert b"nobody@example.com" in response.content
    assert not product.documents.exists()


def test_viewers_cannot_add(client, personas, product):
    client.force_login(personas["dave"])
    response = client.post(
        "/products/payments-api/add/risks/",
        {"risks-title": "x", "risks-likelihood": "1", "risks-impact": "1", "risks-next_review": "2026-12-01"},
    )
    assert response.status_code == 403
    assert not product.risks.exists()
    assert b"Add risks" not in client.get("/products/payments-api/").content


def test_unknown_section_is_404(client, personas, product):
    client.force_login(personas["carol"])
    assert client.post("/products/payments-api/add/nope/", {}).status_code == 404
