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
