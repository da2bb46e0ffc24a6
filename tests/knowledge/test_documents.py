"""Documents: the service, the facts docs.<kind>.count / fresh_count / stale_count,
the API and the ``docs`` section of a Product manifest."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import override_settings

from prodops.audit.models import AuditEntry
from prodops.core import facts
from prodops.core.errors import InvalidInput
from prodops.knowledge import services
from prodops.knowledge.manifests import DocSpec, DocsSection
from prodops.knowledge.models import Document
from prodops.manifests.registry import ManifestError, product_sections

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture
def product(make_product):
    return make_product("payments-api")


def test_document_facts_hand_computed(product, actor, make_product):
    other = make_product("ledger")
    # runbook reviewed 10 days ago: fresh; a runbook reviewed 181 days ago: stale (default 180);
    # an architecture doc never reviewed: stale; a doc on another product must not count.
    services.create_document(
        actor=actor,
        product=product,
        kind="runbook",
        title="Runbook",
        url="https://wiki.example.com/r",
        reviewed=TODAY - timedelta(days=10),
    )
    services.create_document(
        actor=actor,
        product=product,
        kind="runbook",
        title="Old runbook",
        body="# old",
        reviewed=TODAY - timedelta(days=181),
    )
    services.create_document(
        actor=actor, product=product, kind="architecture", title="Arch", url="https://wiki.example.com/a"
    )
    services.create_document(
        actor=actor,
        product=other,
        kind="runbook",
        title="R",
        url="https://wiki.example.com/x",
        reviewed=TODAY,
    )
    values = facts.compute([product.id], NOW)[product.id]
    assert values["docs.runbook.count"] == 2
    assert values["docs.runbook.fresh_count"] == 1
    assert values["docs.architecture.count"] == 1
    assert values["docs.architecture.fresh_count"] == 0
    assert values["docs.faq.count"] == 0
    assert values["docs.stale_count"] == 2
    assert facts.spec_for("docs.runbook.count") is not None
    assert facts.spec_for("docs.runbook.fresh_count") is not None


def test_stale_boundary_follows_setting(product, actor):
    services.create_document(
        actor=actor, product=product, kind="faq", title="FAQ", body="q", reviewed=TODAY - timedelta(days=30)
    )
    assert facts.compute([product.id], NOW)[product.id]["docs.stale_count"] == 0
    with override_settings(PRODOPS_DOC_STALE_DAYS=29):
        assert facts.compute([product.id], NOW)[product.id]["docs.stale_count"] == 1
    with override_settings(PRODOPS_DOC_STALE_DAYS=30):  # reviewed exactly 30 days ago is still fresh
        assert facts.compute([product.id], NOW)[product.id]["docs.stale_count"] == 0


def test_writes_are_audited_and_validated(product, actor):
    doc = services.create_document(
        actor=actor, product=product, kind="runbook", title="Runbook", url="https://wiki.example.com/r"
    )
    assert services.update_document(actor=actor, document=doc, title="Runbook v2") is True
    assert services.update_document(actor=actor, document=doc, title="Runbook v2") is False
    services.delete_document(actor=actor, document=doc)
    actions = list(AuditEntry.objects.filter(product=product).order_by("id").values_list("action", flat=True))
    assert actions == ["document.create", "document.update", "document.delete"]
    with pytest.raises(InvalidInput) as err:
        services.create_document(
            actor=actor, product=product, kind="runbook", title="  ", url="https://wiki.example.com/r"
        )
    assert err.value.field == "title"
    with pytest.raises(InvalidInput) as err:
        services.create_document(
            actor=actor, product=product, kind="poem", title="Ode", url="https://wiki.example.com/r"
        )
    assert err.value.field == "kind"
    with pytest.raises(InvalidInput) as err:
        services.create_document(
            actor=actor, product=product, kind="faq", title="FAQ", owner_email="nobody@x.org", body="x"
        )
    assert err.value.field == "owner"
    assert not Document.objects.exists()


def test_api_create_list_update_delete(api, product, make_person):
    make_person("carol@example.com", "Carol")
    base = f"/api/v1/products/{product.slug}/documents"
    body = {
        "kind": "runbook",
        "title": "Payments runbook",
        "url": "https://wiki.example.com/r",
        "owner": "Carol@Example.com",
        "reviewed": "2026-10-01",
    }
    created = api.post(base, json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    doc = created.json()
    assert doc["owner"] == "carol@example.com"
    listed = api.get(base).json()["items"]
    assert [d["title"] for d in listed] == ["Payments runbook"]
    patched = api.patch(
        f"{base}/{doc['id']}", json.dumps({"title": "Runbook"}), content_type="application/json"
    )
    assert patched.status_code == 200
    assert patched.json()["title"] == "Runbook"
    assert api.delete(f"{base}/{doc['id']}").status_code == 204
    assert not Document.objects.exists()


def test_api_document_without_title_is_422_and_saves_nothing(api, product):
    base = f"/api/v1/products/{product.slug}/documents"
    response = api.post(
        base,
        json.dumps({"kind": "runbook", "title": "", "url": "https://wiki.example.com"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert any(e["loc"][-1] == "title" for e in response.json()["detail"])
    assert not Document.objects.exists()
    assert api.get("/api/v1/products/nope/documents").status_code == 404


def test_docs_section_is_registered_applies_idempotently_and_round_trips(product, actor, make_person):
    make_person("carol@example.com")
    section = next(s for s in product_sections() if s.name == "docs")
    value = [
        DocSpec(
            kind="runbook", title="Runbook", url="https://wiki.example.com/r", reviewed=date(2026, 10, 1)
        ),
        DocSpec(kind="faq", title="FAQ", body="# Q", owner="carol@example.com"),
    ]
    assert section.apply(product, value, actor=actor, dry_run=True) is True
    assert not Document.objects.exists()
    assert section.apply(product, value, actor=actor, dry_run=False) is True
    assert section.apply(product, value, actor=actor, dry_run=False) is False
    exported = section.export(product)
    assert exported == [
        {"kind": "faq", "title": "FAQ", "body": "# Q", "owner": "carol@example.com"},
        {
            "kind": "runbook",
            "title": "Runbook",
            "url": "https://wiki.example.com/r",
            "reviewed": "2026-10-01",
        },
    ]
    again = [DocSpec.model_validate(item) for item in exported]
    assert section.apply(product, again, actor=actor, dry_run=False) is False
    # Omitting the section removes every document.
    assert section.apply(product, None, actor=actor, dry_run=False) is True
    assert section.export(product) is None


def test_docs_section_bad_input_names_the_field(product, actor):
    from pydantic import TypeAdapter
    from pydantic import ValidationError as PydanticError

    adapter = TypeAdapter(DocsSection.value_model)
    with pytest.raises(PydanticError) as err:
        adapter.validate_python([{"kind": "runbook", "title": "R", "url": "u", "colour": "red"}])
    assert "colour" in str(err.value)
    with pytest.raises(PydanticError):
        adapter.validate_python([{"kind": "runbook", "title": ""}])
    value = [DocSpec(kind="runbook", title="R", url="https://wiki.example.com", owner="ghost@example.com")]
    with pytest.raises(ManifestError) as merr:
        DocsSection().apply(product, value, actor=actor, dry_run=False)
    assert merr.value.field == "spec.docs.0.owner"
    assert not Document.objects.exists()
