"""Styled 403, 404 and 500 pages with a way back; the API keeps answering JSON."""

from __future__ import annotations

import pytest


def test_a_refused_page_is_styled_and_leads_back(client, personas, make_product):
    make_product("payments-api")
    client.force_login(personas["dave"])
    r = client.get("/products/payments-api/evidence/slo/")
    assert r.status_code == 403
    body = r.content.decode()
    assert "prodops.css" in body and "You may not do this" in body and 'href="/"' in body


def test_a_missing_page_is_styled_and_leads_back(client, personas):
    client.force_login(personas["dave"])
    r = client.get("/products/no-such-product/")
    assert r.status_code == 404
    body = r.content.decode()
    assert "prodops.css" in body and "Nothing here" in body and "/products/no-such-product/" in body


def test_a_server_error_page_is_styled(client, personas, settings, monkeypatch):
    from prodops.web import integrations

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(integrations, "standards", boom)
    client.raise_request_exception = False
    client.force_login(personas["dave"])
    r = client.get("/standards/")
    assert r.status_code == 500
    body = r.content.decode()
    assert "Something went wrong" in body and "prodops.css" in body and "boom" not in body


@pytest.mark.django_db
def test_the_api_still_answers_json(client, personas):
    client.force_login(personas["dave"])
    r = client.get("/api/v1/no-such-endpoint")
    assert r.status_code == 404 and r["Content-Type"].startswith("application/json")


def test_a_partial_opened_directly_is_a_whole_page(client, personas, make_product):
    make_product("payments-api")
    client.force_login(personas["dave"])
    r = client.get("/products/payments-api/checklist/?gate=pilot")
    assert r.status_code == 302 and r["Location"] == "/products/payments-api/?gate=pilot#checklist"
    r = client.get("/products/payments-api/trend/")
    assert r.status_code == 200 and "prodops.css" in r.content.decode()
    r = client.get("/products/payments-api/trend/", headers={"HX-Request": "true"})
    assert "prodops.css" not in r.content.decode()
