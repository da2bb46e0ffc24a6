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
