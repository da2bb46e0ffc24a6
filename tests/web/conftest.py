"""Personas and the browser harness for the web application.

Personas: alice is the build lead and bob the run lead of the products made by
``make_product``; carol is a member who leads nothing; dave is a viewer; olga works in
product operations; root is an admin.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import OperationalError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "a-long-test-password-1"


@pytest.fixture
def make_user(db: Any, make_person: Callable[..., Any]) -> Callable[..., Any]:
    from django.contrib.auth import get_user_model

    from prodops.accounts.models import UserRole

    def make(username: str, role: str = "member", *, superuser: bool = False) -> Any:
        email = f"{username}@example.com"
        make_person(email, username.title())
        user = get_user_model().objects.create_user(
            username=username, email=email, password=PASSWORD, is_superuser=superuser, is_staff=superuser
        )
        if not superuser and role != "member":
            UserRole.objects.create(user=user, role=role)
        return user

    return make


@pytest.fixture
def personas(make_user: Callable[..., Any]) -> dict[str, Any]:
    return {
        "alice": make_user("alice"),
        "bob": make_user("bob"),
        "carol": make_user("carol"),
        "dave": make_user("dave", "viewer"),
        "olga": make_user("olga", "product_ops"),
        "root": make_user("root", superuser=True),
    }


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make around it are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sign_in(live_server: Any) -> Callable[[Any, Any], None]:
    """Sign a browser page in as a user without going through the form (the login
    journey covers the form), by handing it a fresh session cookie."""
    from django.conf import settings
    from django.test import Client

    def sign(page: Any, user: Any) -> None:
        # On SQLite the live server shares an in-memory database with this thread through
        # a shared cache, whose table locks fail at once ("database table is locked")
        # instead of waiting for busy_timeout. So let the page's own requests (HTMX
        # refreshes) finish first, and retry briefly if the server still holds a lock.
        page.wait_for_load_state("networkidle")
        client = Client()
        for attempt in range(20):
            try:
                client.force_login(user)
                break
            except OperationalError as error:
                if "locked" not in str(error) or attempt == 19:
                    raise
                time.sleep(0.1)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.clear_cookies()
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )

    return sign


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # The default PBKDF2 work factor costs ~0.3 s per persona; the tests are about
    # permissions, not hashing strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


SMALL_STANDARD = {
    "criteria": [
        {
            "id": "runbook",
            "title": "A runbook exists",
            "gate": "pilot",
            "area": "documentation",
            "rule": "docs.runbook.count > 0",
            "why": "Support cannot run what is not written down.",
            "fix": "Add a document of kind runbook.",
        },
        {
            "id": "slo-defined",
            "title": "Service level objectives are defined",
            "gate": "pilot",
            "area": "slo",
            "rule": "slo.count > 0",
            "why": "An SLO is the target reliability is measured against.",
            "fix": "Add at least one SLO.",
        },
        {
            "id": "plan-attested",
            "title": "The handover plan is attested",
            "gate": "pilot",
            "area": "handover",
            "severity": "advisory",
            "attest": {"role": "build_lead"},
            "why": "The baton is ready when development begins.",
            "fix": "Attest with a link to the plan.",
        },
    ]
}


@pytest.fixture
def gated_product(make_product: Any, personas: Any) -> Any:
    """payments-api, in build, on the small standard; alice builds, bob runs."""
    from prodops.core.actors import Actor
    from prodops.readiness.services import apply_standard

    apply_standard(actor=Actor.cli("tests"), slug="small", name="Small standard", spec=SMALL_STANDARD)
    return make_product("payments-api", name="Payments API", stage="build", standard="small")
