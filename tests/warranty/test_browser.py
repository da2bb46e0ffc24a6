"""The warranty chart in a real browser: it renders, and a screenshot is kept for review
when PRODOPS_SCREENSHOT_DIR is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.warranty.test_product_warranty import product  # noqa: F401 - fixture

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chart_renders_in_chromium(product, live_server, django_user_model, tmp_path):  # noqa: F811
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.conf import settings
    from django.test import Client
    from playwright.sync_api import sync_playwright

    user = django_user_model.objects.create_user("root", "root@example.com", "pw", is_superuser=True)
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1100, "height": 1000})
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/products/{product.slug}/warranty/")
        svg = page.locator(".warranty svg")
        box = svg.bounding_box()
        assert box is not None and box["width"] > 500 and box["height"] > 300
        assert page.locator(".warranty polyline.obs").count() == 1
        assert "proposed end" in (svg.text_content() or "")
        shots = Path(os.environ.get("PRODOPS_SCREENSHOT_DIR") or tmp_path)
        page.screenshot(path=str(shots / "warranty.png"), full_page=True)
        browser.close()
