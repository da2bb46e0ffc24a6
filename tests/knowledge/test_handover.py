"""The handover pack in all three formats, from the CLI and the download URL."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from prodops.catalog.models import SLO, Team
from prodops.core.actors import Actor
from prodops.knowledge import services
from prodops.knowledge.handover import build_pack, render
from prodops.risks import services as risk_services


@pytest.fixture
def product(make_product, make_person, actor):
    crew = [make_person("bob@example.com", "Bob"), make_person("carol@example.com", "Carol")]
    team = Team.objects.create(
        slug="pay-run", name="Payments support", kind="run", capacity_hours_per_week=80
    )
    team.members.set(crew)
    product = make_product(
        "payments-api",
        name="Payments API",
        run_team=team,
        stage="pilot",
        oncall={"rotation": "payments-primary", "team": "pay-run"},
        warranty={
            "threshold": {"defects": 1, "per": "14d"},
            "min_days": 30,
            "max_days": 120,
            "severities": ["critical", "high"],
        },
    )
    SLO.objects.create(product=product, name="availability", objective=99.9, window="30d")
    today = timezone.localdate()
    services.create_document(
        actor=actor,
        product=product,
        kind="runbook",
        title="Payments runbook",
        url="https://wiki.example.com/pay/runbook",
        reviewed=today - timedelta(days=5),
    )
    services.create_document(
        actor=actor,
        product=product,
        kind="faq",
        title="Support FAQ",
        body="# Questions\n\n<script>alert(1)</script> Why *retry*?",
    )
    risk_services.create_risk(
        actor=actor,
        product=product,
        title="Card processor rate limits",
        likelihood=4,
        impact=4,
        mitigation="Queue and back off",
        next_review=today + timedelta(days=20),
    )
    risk_services.create_known_error(
        actor=actor,
        product=product,
        title="Duplicate webhook",
        symptom="Order shows paid twice",
        workaround="Refund the second charge",
    )
    services.record_training(
        actor=actor,
        product=product,
        topic="Runbook walkthrough",
        date=today,
        attendee_emails=["bob@example.com"],
    )
    services.sign_support(actor=Actor.person("bob@example.com"), product=product, comment="Ready")
    return product


def test_pack_data(product):
    pack = build_pack(product=product)
    assert pack.owners["run_lead"]["email"] == "bob@example.com"
    assert [d["title"] for d in pack.documents] == ["Payments runbook", "Support FAQ"]
    assert pack.risks[0]["score"] == 16
    assert pack.risks[0]["high"] is True
    assert pack.support["training_coverage"] == 0.5
    assert pack.support["signoff_coverage"] == 0.5
    assert pack.warranty["threshold"] == "1 defect per 14 days"


def test_markdown_and_html(product):
    pack = build_pack(product=product)
    md = render(pack, "md").decode()
    assert "# Handover pack: Payments API" in md
    assert "| Runbook | Payments runbook | <https://wiki.example.com/pay/runbook> |" in md
    assert "RISK-" in md
    assert "Card processor rate limits" in md
    assert "**Workaround:** Refund the second charge" in md
    assert "1 defect per 14 days" in md
    html = render(pack, "html").decode()
    assert "Payments runbook" in html
    assert "Card processor rate limits" in html
    # Inline Markdown is rendered, but raw HTML in it is escaped.
    assert "<em>retry</em>" in html
    assert "<script>alert(1)</script>" not in html


def test_pdf_opens_and_has_runbook_and_risk(product, tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "pack.pdf"
    call_command("report", "payments-api", "--format", "pdf", "-o", str(out), stderr=io.StringIO())
    reader = PdfReader(str(out))
    assert len(reader.pages) >= 1
    # Table cells wrap; compare with whitespace collapsed.
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Payments runbook" in text
    assert "Card processor rate limits" in text


def test_cli_markdown_to_stdout_and_bad_input(product):
    out = io.StringIO()
    call_command("report", "payments-api", stdout=out)
    assert "Payments runbook" in out.getvalue()
    with pytest.raises(CommandError) as err:
        call_command("report", "no-such-product")
    assert err.value.returncode == 2


def test_download_url(product, client, django_user_model):
    from django.urls import reverse

    url = reverse("knowledge:handover", kwargs={"slug": "payments-api", "fmt": "md"})
    assert url == "/products/payments-api/handover.md"
    assert client.get(url).status_code in {302, 401, 403}  # signed-in users only
    user = django_user_model.objects.create_user(
        username="dave", email="dave@example.com", password="pw-123456789"
    )
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="payments-api-handover-')
    assert b"Payments runbook" in response.content
    assert client.get("/products/payments-api/handover.html")["Content-Type"].startswith("text/html")
    assert client.get("/products/nope/handover.md").status_code == 404
