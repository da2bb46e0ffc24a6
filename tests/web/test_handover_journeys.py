"""The handover run from the web, in Chromium (issue 11): a build lead creates a product
and invites its run lead, who signs in through the link and finds the transition to
approve waiting on them; a run-team member records training and says "I can support
this"; a failing "runbook reviewed" row's fix opens the document and "Mark reviewed"
turns it green; a refused form keeps its input, its focus and the scroll position;
product operations see a team above 0.85; axe finds no serious violation."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.web.a11y import severe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "rex-chooses-a-long-password-7"


def test_build_lead_creates_and_invites_the_run_lead_who_signs_in_and_approves(
    page, live_server, personas, make_person, sign_in
):
    from playwright.sync_api import expect

    make_person("rex@example.com", "Rex Runner")
    sign_in(page, personas["alice"])
    page.goto("/")
    page.get_by_role("link", name="New product").click()
    page.get_by_label("Slug").fill("ledger")
    page.get_by_label("Name").fill("Ledger")
    page.get_by_label("Build lead (email)").fill("alice@example.com")
    page.get_by_label("Run lead (email)").fill("rex@example.com")
    page.get_by_role("button", name="Create product").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ledger")

    # the run lead cannot sign in yet: the build lead invites him, and sees the link once
    page.get_by_role("button", name="Invite to sign in: Rex Runner").click()
    link = page.get_by_test_id("invite-link").inner_text().strip()
    assert "/accounts/reset/" in link

    # the build lead asks to move on to build
    page.goto("/products/ledger/")
    page.get_by_text("Request a transition").click()
    page.get_by_role("button", name="Request transition").click()
    expect(page.get_by_test_id("pending-transition")).to_contain_text("plan → build")

    # the run lead follows the link in a browser of his own, sets a password, signs in
    context = page.context.browser.new_context(base_url=live_server.url)
    rex = context.new_page()
    rex.goto(link)
    rex.locator("#id_new_password1").fill(NEW_PASSWORD)
    rex.locator("#id_new_password2").fill(NEW_PASSWORD)
    rex.get_by_role("button", name="Set the password").click()
    expect(rex.get_by_role("heading", name="Password changed")).to_be_visible()
    rex.get_by_role("link", name="Sign in").click()
    rex.get_by_label("Username").fill("rex@example.com")
    rex.get_by_label("Password").fill(NEW_PASSWORD)
    rex.get_by_role("button", name="Sign in").click()
    # what waits on him: the transition to approve, counted in the top bar
    expect(rex.get_by_test_id("waiting-count")).to_have_text("1")
    rex.get_by_test_id("waiting-link").click()
    approvals = rex.get_by_role("region", name="Approvals to give")
    expect(approvals).to_contain_text("Ledger: plan → build")
    approvals.get_by_role("link", name=re.compile("Ledger")).click()
    expect(rex.get_by_role("button", name="Approve as run lead")).to_be_visible()
    # the link worked once
    rex.goto(link)
    expect(rex.get_by_text("This link is invalid or has already been used")).to_be_visible()
    context.close()


@pytest.fixture
def run_team_product(make_product, personas):
    from prodops.catalog.models import Person, Team
    from prodops.core.actors import Actor
    from prodops.knowledge import services as knowledge
    from prodops.readiness.services import apply_standard

    apply_standard(
        actor=Actor.cli("tests"),
        slug="fresh",
        name="Fresh runbooks",
        spec={
            "criteria": [
                {
                    "id": "runbook-fresh",
                    "title": "The runbook was reviewed recently",
                    "gate": "pilot",
                    "area": "documentation",
                    "rule": "docs.runbook.fresh_count > 0",
                    "why": "A runbook nobody reviews drifts from the system.",
                    "fix": "Review the runbook and update its reviewed date.",
                }
            ]
        },
    )
    team = Team.objects.create(slug="pay-ops", name="Payments ops", kind="run", capacity_hours_per_week=40)
    team.members.set(Person.objects.filter(email__in=["carol@example.com", "bob@example.com"]))
    product = make_product(
        "payments-api", name="Payments API", stage="build", standard="fresh", run_team=team
    )
    knowledge.create_document(
        actor=Actor.cli("tests"),
        product=product,
        kind="runbook",
        title="Payments runbook",
        body="# Payments runbook\n\n1. Check the queue.\n2. Restart the worker.",
        reviewed=date(2020, 1, 1),
    )
    return product


def test_a_run_team_member_records_training_and_says_i_can_support_this(
    page, personas, run_team_product, sign_in
):
    from playwright.sync_api import expect

    sign_in(page, personas["carol"])
    page.goto("/products/payments-api/")
    page.get_by_role("link", name="Record a training session").click()
    page.get_by_label("Topic").fill("Payments on call")
    page.get_by_label("Date").fill((date.today() - timedelta(days=1)).isoformat())
    page.get_by_label("Trainer (email)").fill("alice@example.com")
    page.get_by_role("checkbox", name=re.compile("carol@example.com")).check()
    page.get_by_role("checkbox", name=re.compile("bob@example.com")).check()
    page.get_by_role("button", name="Save").click()
    training = page.locator("#training")
    expect(training).to_contain_text("Payments on call")
    expect(training).to_contain_text("2 attended")
    page.get_by_role("button", name="I can support this").click()
    expect(page.get_by_role("status")).to_contain_text("you said you can support Payments API")
    expect(training.get_by_role("button", name="Withdraw my sign-off")).to_be_visible()
    expect(training).to_contain_text("signed")


def test_the_fix_link_of_a_stale_runbook_opens_it_and_mark_reviewed_turns_it_green(
    page, personas, run_team_product, sign_in
):
    from playwright.sync_api import expect

    sign_in(page, personas["alice"])
    page.goto("/products/payments-api/")
    row = page.locator("#criterion-runbook-fresh")
    expect(row).to_have_attribute("data-status", "fail")
    row.get_by_test_id("fix").get_by_role("link", name="Review Payments runbook").click()
    # the runbook is readable on the web
    expect(page.get_by_role("heading", level=1).first).to_contain_text("Payments runbook")
    expect(page.get_by_role("article")).to_contain_text("Restart the worker.")
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_role("status")).to_contain_text("marked reviewed today")
    expect(page.locator("#criterion-runbook-fresh")).to_have_attribute("data-status", "pass")


def test_a_refused_form_keeps_input_focus_and_scroll_position(page, personas, run_team_product, sign_in):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, personas["alice"])
    page.goto("/products/payments-api/")
    docs = page.locator("#section-documents")
    docs.get_by_text("Add documents").click()
    docs.get_by_label("Title").fill("Support guide")
    docs.get_by_label("Kind").select_option("support_guide")
    button = docs.get_by_role("button", name="Add", exact=True)
    button.scroll_into_view_if_needed()
    before = page.evaluate("() => window.scrollY")
    assert before > 500  # far down the page: a jump would show
    button.click()  # neither a URL nor a body: refused by the service
    errors = page.locator("#section-documents .errorlist")
    expect(errors.first).to_be_visible()
    expect(page.locator("#section-documents").get_by_label("Title")).to_have_value("Support guide")
    focused = page.evaluate(
        "() => document.activeElement && document.activeElement.getAttribute('aria-invalid')"
    )
    assert focused == "true"
    after = page.evaluate("() => window.scrollY")
    assert abs(after - before) < 80, (before, after)

    # the evidence forms too: only the form is swapped, the typed value stays
    page.goto("/products/payments-api/evidence/slo/")
    page.get_by_label("Name").fill("latency")
    page.get_by_label("Objective (%)").fill("250")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_objective_errors")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("latency")
    expect(page.get_by_label("Objective (%)")).to_be_focused()


def test_keyboard_only_adds_a_link(page, personas, run_team_product, sign_in):
    from playwright.sync_api import expect

    sign_in(page, personas["alice"])
    page.goto("/products/payments-api/evidence/link/")
    page.get_by_label("Name").focus()
    page.keyboard.type("repo")
    page.keyboard.press("Tab")
    page.keyboard.type("https://git.example.com/payments")
    page.keyboard.press("Enter")
    expect(page.locator("#about")).to_contain_text("https://git.example.com/payments")


def test_product_operations_see_a_team_above_the_line(page, personas, make_product, sign_in):
    from playwright.sync_api import expect

    from prodops.catalog.models import Team
    from prodops.core.actors import Actor
    from prodops.knowledge import services as knowledge

    busy = Team.objects.create(slug="busy-ops", name="Busy ops", kind="run", capacity_hours_per_week=10)
    calm = Team.objects.create(slug="calm-ops", name="Calm ops", kind="run", capacity_hours_per_week=40)
    knowledge.set_support_estimate(
        actor=Actor.cli("t"), product=make_product("a", run_team=busy, stage="warranty"), hours_per_week=9
    )
    knowledge.set_support_estimate(
        actor=Actor.cli("t"), product=make_product("b", run_team=calm, stage="operate"), hours_per_week=8
    )
    sign_in(page, personas["olga"])
    page.goto("/")
    page.get_by_role("link", name="Team load").click()
    chart = page.get_by_test_id("team-load-chart")
    expect(chart.locator('g[data-team="Busy ops"]')).to_have_attribute("data-over", "true")
    expect(chart.locator('g[data-team="Busy ops"]')).to_contain_text("90% (over)")
    expect(chart.locator('g[data-team="Calm ops"]')).to_have_attribute("data-over", "false")
    expect(chart).to_contain_text("85% limit")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.usefixtures("run_team_product")
def test_no_serious_accessibility_violation(page, live_server, personas, sign_in, width):
    from playwright.sync_api import expect

    # The vendored axe is added as a script element; a strict Content-Security-Policy
    # would block it, so this context alone bypasses CSP.
    from prodops.knowledge.models import Document

    context = page.context.browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    sign_in(page, personas["alice"])
    found = {}
    for path in (
        "/",
        "/products/payments-api/",
        "/products/payments-api/evidence/slo/",
        "/products/payments-api/evidence/training/",
        f"/products/payments-api/documents/{Document.objects.get().pk}/",
        "/waiting/",
        "/people/",
        "/teams/",
        "/team-load/",
        "/known-errors/",
    ):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        found[path] = severe_violations(page)
    page.goto("/products/payments-api/")
    expect(page.locator("#checklist")).to_be_visible()
    found["checklist"] = severe_violations(page, "#checklist")
    # a form showing its errors
    page.goto("/products/payments-api/evidence/slo/")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    found["slo form with errors"] = severe_violations(page)
    context.close()
    assert {k: v for k, v in found.items() if v} == {}
