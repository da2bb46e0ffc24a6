"""Journeys through the web application in a real Chromium (Debian's, headless)."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_and_see_the_dashboard(page, personas, make_product):
    from playwright.sync_api import expect

    make_product("payments-api", name="Payments API", stage="build", tier=1)
    page.goto("/products/payments-api/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # back where carol was going
    expect(page.get_by_role("heading", level=1)).to_contain_text("Payments API")
    page.get_by_role("link", name="Portfolio", exact=True).first.click()
    board = page.locator("section.column", has=page.get_by_role("heading", name=re.compile("^build")))
    expect(board.get_by_role("link", name="Payments API")).to_be_visible()
    # filtering updates the board in place (HTMX) and the URL
    page.get_by_label("Tier").select_option("2")
    expect(board.get_by_role("link", name="Payments API")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"tier=2"))


def test_create_a_product_with_both_leads(page, personas, sign_in):
    from playwright.sync_api import expect

    sign_in(page, personas["olga"])
    page.goto("/")
    page.get_by_role("link", name="New product").click()
    page.get_by_label("Slug").fill("payments-api")
    page.get_by_label("Name").fill("Payments API")
    page.get_by_label("Build lead (email)").fill("alice@example.com")
    page.get_by_role("button", name="Create product").click()
    # the run lead is missing: the form says so next to the field and keeps the input
    expect(page.locator("#id_run_lead_errors")).to_contain_text("This field is required")
    expect(page.get_by_label("Name")).to_have_value("Payments API")
    page.get_by_label("Run lead (email)").fill("bob@example.com")
    page.get_by_role("button", name="Create product").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Payments API")
    owners = page.get_by_role("region", name="Owners")
    expect(owners).to_contain_text("Build lead")
    expect(owners).to_contain_text("alice@example.com")
    expect(owners).to_contain_text("bob@example.com")


def test_gate_journey_runbook_waiver_and_both_leads_approve(page, personas, gated_product, sign_in):
    """Failing criteria; add the runbook and watch it pass; waive the SLO criterion with
    both leads' signatures; request the move; a viewer cannot approve; the build lead
    and then the run lead approve, and the stage changes."""
    from datetime import timedelta

    from django.utils import timezone
    from playwright.sync_api import expect

    def criterion(cid):
        return page.locator(f"#criterion-{cid}")

    sign_in(page, personas["alice"])
    page.goto("/products/payments-api/")
    expect(criterion("runbook")).to_have_attribute("data-status", "fail")
    expect(criterion("runbook")).to_contain_text("Add a document of kind runbook.")
    expect(page.get_by_test_id("gate-status")).to_have_text("not ready")

    # add the missing runbook in place; the checklist refreshes itself
    docs = page.locator("#section-documents")
    docs.get_by_text("Add documents").click()
    docs.get_by_label("Kind").select_option("runbook")
    docs.get_by_label("Title").fill("Payments runbook")
    docs.get_by_label("URL").fill("https://wiki.example.com/pay/runbook")
    docs.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#section-documents")).to_contain_text("Payments runbook")
    expect(criterion("runbook")).to_have_attribute("data-status", "pass")

    # waive the SLO criterion: alice proposes (and signs), bob signs
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    criterion("slo-defined").get_by_text("Waive slo-defined").click()
    criterion("slo-defined").get_by_label("Reason").fill("SLOs are agreed in the pilot")
    criterion("slo-defined").get_by_label("Expires on").fill(expires)
    criterion("slo-defined").get_by_role("button", name="Propose and sign waiver").click()
    expect(page.get_by_role("status")).to_contain_text("the other lead must sign")
    expect(criterion("slo-defined")).to_have_attribute("data-status", "fail")

    # request the transition
    page.get_by_text("Request a transition").click()
    page.get_by_label("Move to").select_option("pilot")
    page.get_by_role("button", name="Request transition").click()
    expect(page.get_by_test_id("pending-transition")).to_contain_text("build → pilot")

    # a viewer sees the request but cannot approve
    sign_in(page, personas["dave"])
    page.goto("/products/payments-api/")
    expect(page.get_by_test_id("pending-transition")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Approve"))).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Sign waiver"))).to_have_count(0)

    # the build lead approves
    sign_in(page, personas["alice"])
    page.goto("/products/payments-api/")
    page.get_by_role("button", name="Approve as build lead").click()
    expect(page.get_by_role("status")).to_contain_text("Waiting for the other lead")

    # the run lead signs the waiver (fail → waived), then approves: the stage changes
    sign_in(page, personas["bob"])
    page.goto("/products/payments-api/")
    page.get_by_role("button", name="Sign waiver of slo-defined").click()
    expect(criterion("slo-defined")).to_have_attribute("data-status", "waived")
    expect(page.get_by_test_id("gate-status")).to_have_text("ready")
    page.get_by_role("button", name="Approve as run lead").click()
    expect(page.get_by_role("status")).to_contain_text("is now in pilot")
    expect(page.get_by_test_id("stage")).to_have_text("pilot")


def test_a_refused_htmx_action_is_reported(page, personas, gated_product, sign_in):
    """carol (a member) opens the page, then loses her role: her next action is refused,
    and the page says so instead of silently doing nothing."""
    from playwright.sync_api import expect

    from prodops.accounts.models import UserRole
    from prodops.catalog.models import Person, Team

    # carol works in the product's run team, so she may add documents (evidence).
    team = Team.objects.create(slug="payments-support", name="Payments support", kind="run")
    carol, _ = Person.objects.get_or_create(email=personas["carol"].email, defaults={"name": "Carol"})
    team.members.add(carol)
    gated_product.run_team = team
    gated_product.save()
    sign_in(page, personas["carol"])
    page.goto("/products/payments-api/")
    UserRole.objects.create(user=personas["carol"], role="viewer")
    docs = page.locator("#section-documents")
    docs.get_by_text("Add documents").click()
    docs.get_by_label("Title").fill("Runbook")
    docs.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#request-error")).to_have_text("You are not allowed to do this.")
