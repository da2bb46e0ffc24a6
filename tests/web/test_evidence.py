"""Recording evidence from the web: documents, training, the support sign-off, the
support estimate, SLOs, links, on-call, stakeholders, go-live, warranty policy, risks
and known errors. Every form calls its domain service; a refused one keeps its input and
puts the error beside its field."""

from __future__ import annotations

from datetime import date

import pytest

from prodops.audit.models import AuditEntry
from prodops.catalog.models import Person, Team


@pytest.fixture
def product(make_product, personas):
    run = Team.objects.create(slug="pay-ops", name="Payments ops", kind="run", capacity_hours_per_week=40)
    run.members.set(Person.objects.filter(email="carol@example.com"))
    return make_product("payments-api", name="Payments API", stage="build", run_team=run)


@pytest.fixture
def alice(client, personas):
    client.force_login(personas["alice"])
    return client


HX = {"HX-Request": "true"}


def test_the_build_lead_adds_slo_link_oncall_stakeholder_go_live_and_warranty(alice, product):
    base = "/products/payments-api/evidence"
    assert (
        alice.post(f"{base}/slo/", {"name": "availability", "objective": "99.9", "window": "30d"}).status_code
        == 302
    )
    assert (
        alice.post(f"{base}/link/", {"name": "repo", "url": "https://git.example.com/pay"}).status_code == 302
    )
    r = alice.post(f"{base}/oncall/", {"rotation": "payments-primary", "team": "pay-ops"})
    assert r.status_code == 302 and r["Location"] == "/products/payments-api/#about"
    assert (
        alice.post(f"{base}/stakeholder/", {"function": "sales", "person": "dave@example.com"}).status_code
        == 302
    )
    assert alice.post(f"{base}/go-live/", {"go_live": "2026-12-15"}).status_code == 302
    r = alice.post(
        f"{base}/warranty/",
        {
            "defects": "2",
            "per": "14d",
            "min_days": "14",
            "max_days": "60",
            "severities": ["critical", "high"],
        },
    )
    assert r.status_code == 302
    product.refresh_from_db()
    assert [(s.name, s.objective) for s in product.slos.all()] == [("availability", 99.9)]
    assert product.links == {"repo": "https://git.example.com/pay"}
    assert product.oncall["rotation"] == "payments-primary" and product.oncall["team"] == "pay-ops"
    assert [(s.function, s.person.email) for s in product.stakeholders.all()] == [
        ("sales", "dave@example.com")
    ]
    assert product.go_live == date(2026, 12, 15)
    assert (
        product.warranty["threshold"] == {"defects": 2, "per": "14d"} and product.warranty["max_days"] == 60
    )
    # each change went through the catalog service: audited, by alice, from the web
    entries = AuditEntry.objects.filter(product=product, action="product.updated")
    assert entries.count() == 6 and {e.actor for e in entries} == {"alice@example.com"}
    # the product page shows them, with a way to remove each
    page = alice.get("/products/payments-api/").content.decode()
    assert "payments-primary" in page and "availability: 99.9% over 30d" in page
    assert alice.post("/products/payments-api/do/remove-link/", {"key": "repo"}).status_code == 302
    assert alice.post("/products/payments-api/do/remove-slo/", {"key": "availability"}).status_code == 302
    assert (
        alice.post(
            "/products/payments-api/do/remove-stakeholder/", {"key": "sales:dave@example.com"}
        ).status_code
        == 302
    )
    product.refresh_from_db()
    assert product.links == {} and not product.slos.exists() and not product.stakeholders.exists()


def test_a_refused_form_keeps_the_input_and_puts_the_error_beside_the_field(alice, product):
    # invalid for the form: an objective above 100
    r = alice.post(
        "/products/payments-api/evidence/slo/", {"name": "latency", "objective": "250", "window": "30d"}
    )
    assert r.status_code == 400
    body = r.content.decode()
    assert 'id="id_objective_errors"' in body and 'value="latency"' in body
    assert "autofocus" in body and 'aria-invalid="true"' in body
    # refused by the service: a stakeholder who is not in the catalog; HTMX gets the form only
    r = alice.post(
        "/products/payments-api/evidence/stakeholder/",
        {"function": "design", "person": "nobody@example.com"},
        headers=HX,
    )
    assert r.status_code == 200
    body = r.content.decode()
    assert body.lstrip().startswith('<form method="post"')
    assert 'id="id_person_errors"' in body and "nobody@example.com" in body
    product.refresh_from_db()
    assert not product.slos.exists() and not product.stakeholders.exists()


def test_documents_edit_mark_reviewed_archive_and_inline_markdown(alice, product, actor):
    from prodops.knowledge import services
    from prodops.knowledge.models import Document

    r = alice.post(
        "/products/payments-api/evidence/document/",
        {"kind": "runbook", "title": "Runbook", "body": "# Restart\n\n<script>alert(1)</script> **now**"},
    )
    assert r.status_code == 302
    doc = Document.objects.get(product=product)
    page = alice.get(f"/products/payments-api/documents/{doc.pk}/").content.decode()
    assert "<h1>Restart</h1>" in page and "<strong>now</strong>" in page
    assert "<script>alert(1)</script>" not in page
    # never reviewed counts as stale: one click marks it reviewed today
    assert "Mark reviewed" in page
    r = alice.post("/products/payments-api/do/mark-reviewed/", {"pk": doc.pk})
    assert r.status_code == 302
    doc.refresh_from_db()
    assert doc.reviewed is not None
    # edit keeps what is not changed
    r = alice.post(
        f"/products/payments-api/evidence/document/{doc.pk}/",
        {
            "kind": "runbook",
            "title": "Payments runbook",
            "body": doc.body,
            "reviewed": doc.reviewed.isoformat(),
        },
    )
    assert r.status_code == 302
    doc.refresh_from_db()
    assert doc.title == "Payments runbook"
    from django.utils import timezone

    from prodops.core.facts import compute

    assert compute([product.pk], timezone.now())[product.pk]["docs.runbook.count"] == 1
    assert alice.post("/products/payments-api/do/archive-document/", {"pk": doc.pk}).status_code == 302
    # archived: out of the lists and the facts, kept for the record
    assert not Document.objects.filter(pk=doc.pk).exists()
    assert Document.all_objects.get(pk=doc.pk).archived_at is not None
    assert compute([product.pk], timezone.now())[product.pk]["docs.runbook.count"] == 0
    assert (
        f"/products/payments-api/documents/{doc.pk}/"
        not in alice.get("/products/payments-api/").content.decode()
    )
    assert AuditEntry.objects.filter(action="document.archive", actor="alice@example.com").exists()
    # a current document may take the archived one's title again
    assert (
        alice.post(
            "/products/payments-api/evidence/document/",
            {"kind": "runbook", "title": "Payments runbook", "url": "https://wiki.example.com/pay"},
        ).status_code
        == 302
    )
    # someone else's product's document is not reachable through this product
    other = services.create_document(
        actor=actor,
        product=type(product).objects.create(
            slug="other", name="Other", build_lead=product.build_lead, run_lead=product.run_lead
        ),
        kind="faq",
        title="FAQ",
        url="https://x.example/faq",
    )
    assert alice.post("/products/payments-api/do/mark-reviewed/", {"pk": other.pk}).status_code == 404


def test_training_with_attendees_and_the_run_team_members_own_signoff(client, personas, product):
    from prodops.knowledge.models import SupportSignoff, TrainingSession

    client.force_login(personas["alice"])
    form = client.get("/products/payments-api/evidence/training/").content.decode()
    assert "carol@example.com" in form  # the run team is offered as attendees
    r = client.post(
        "/products/payments-api/evidence/training/",
        {
            "topic": "Payments on call",
            "date": "2026-11-20",
            "trainer": "alice@example.com",
            "attendees": ["carol@example.com"],
            "other_attendees": "dave@example.com",
        },
    )
    assert r.status_code == 302
    session = TrainingSession.objects.get(product=product)
    assert sorted(p.email for p in session.attendees.all()) == ["carol@example.com", "dave@example.com"]
    # alice is not on the run team: no button for her
    assert ">I can support this</button>" not in client.get("/products/payments-api/").content.decode()
    client.force_login(personas["carol"])
    page = client.get("/products/payments-api/").content.decode()
    assert ">I can support this</button>" in page
    assert client.post("/products/payments-api/do/sign-support/").status_code == 302
    signoff = SupportSignoff.objects.get(product=product)
    assert signoff.person.email == "carol@example.com" and signoff.active
    assert "Withdraw my sign-off" in client.get("/products/payments-api/").content.decode()
    assert client.post("/products/payments-api/do/withdraw-support/").status_code == 302
    signoff.refresh_from_db()
    assert not signoff.active


def test_support_estimate_risk_status_and_known_error_workaround(alice, product, actor):
    from prodops.risks import services

    assert (
        alice.post(
            "/products/payments-api/evidence/support-estimate/",
            {"hours_per_week": "12.5", "basis": "tickets"},
        ).status_code
        == 302
    )
    assert product.support_estimate.hours_per_week == 12.5
    risk = services.create_risk(
        actor=actor,
        product=product,
        title="One database",
        likelihood=3,
        impact=5,
        next_review=date(2026, 12, 1),
    )
    r = alice.post(
        f"/products/payments-api/evidence/risk/{risk.pk}/",
        {
            "title": "One database",
            "status": "accepted",
            "likelihood": "3",
            "impact": "5",
            "next_review": "2027-01-10",
        },
    )
    assert r.status_code == 302 and r["Location"].endswith("#section-risks")
    risk.refresh_from_db()
    assert risk.status == "accepted" and risk.next_review == date(2027, 1, 10)
    ke = services.create_known_error(
        actor=actor, product=product, title="Timeouts", symptom="504 at checkout"
    )
    r = alice.post(
        f"/products/payments-api/evidence/known-error/{ke.pk}/",
        {
            "title": "Timeouts",
            "symptom": "504 at checkout",
            "workaround": "Retry after 30 s",
            "defect_id": "PAY-12",
            "status": "open",
        },
    )
    assert r.status_code == 302
    ke.refresh_from_db()
    assert (ke.workaround, ke.defect_id) == ("Retry after 30 s", "PAY-12")


def test_who_may_see_and_use_the_forms(client, personas, product):
    # a viewer is refused every form and action, and nothing changes
    client.force_login(personas["dave"])
    assert client.get("/products/payments-api/evidence/slo/").status_code == 403
    assert (
        client.post(
            "/products/payments-api/evidence/link/", {"name": "repo", "url": "https://x.example"}
        ).status_code
        == 403
    )
    assert client.post("/products/payments-api/do/sign-support/").status_code == 403
    product.refresh_from_db()
    assert product.links == {}
    # unknown forms and items are 404s
    client.force_login(personas["alice"])
    assert client.get("/products/payments-api/evidence/nothing/").status_code == 404
    assert client.get("/products/payments-api/evidence/risk/999/").status_code == 404
    assert client.get("/products/payments-api/evidence/slo/3/").status_code == 404


def test_fields_a_config_file_manages_are_named_with_its_path_before_editing(
    alice, product, prodops, tmp_path
):
    path = tmp_path / "payments.yaml"
    path.write_text(
        "apiVersion: prodops/v1\nkind: Product\nmetadata: {slug: payments-api, name: Payments API}\n"
        "spec:\n  stage: build\n  owners: {build_lead: alice@example.com, run_lead: bob@example.com}\n"
        "  teams: {run: pay-ops}\n  slos: [{name: availability, objective: 99.9}]\n"
    )
    code, _, err = prodops("apply", "-f", str(path))
    assert code == 0, err
    form = alice.get("/products/payments-api/evidence/slo/").content.decode()
    assert 'data-testid="managed-warning"' in form and str(path) in form and "<code>slos</code>" in form
    # a field the file does not state carries no warning
    assert (
        'data-testid="managed-warning"'
        not in alice.get("/products/payments-api/evidence/go-live/").content.decode()
    )
    # a dry run records nothing
    from prodops.manifests.models import ManagedField

    before = ManagedField.objects.count()
    path.write_text(
        path.read_text().replace(
            "  teams: {run: pay-ops}\n", "  teams: {run: pay-ops}\n  go_live: 2026-12-01\n"
        )
    )
    assert prodops("apply", "-f", str(path), "--dry-run")[0] == 0
    assert ManagedField.objects.count() == before


@pytest.mark.parametrize("name", ["risk", "known-error"])
def test_an_edit_only_form_without_its_item_is_a_404_not_a_500(alice, product, name):
    """The audit of the policy helper: POST /products/SLUG/evidence/risk/ (no item id)
    saved item=None and answered 500; the edit-only forms now need their item."""
    from prodops.risks.models import KnownError, Risk

    before = (Risk.objects.count(), KnownError.objects.count())
    url = f"/products/{product.slug}/evidence/{name}/"
    assert alice.get(url).status_code == 404
    assert alice.post(url, {"title": "x", "status": "open"}).status_code == 404
    assert (Risk.objects.count(), KnownError.objects.count()) == before
