"""The survey on the web: answer for yourself; a forged person is 403 and changes
nothing; the product page's panel shows W, the consensus and the outcomes."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from prodops.alignment.models import Response
from prodops.catalog.models import Stakeholder


@pytest.fixture
def shop(make_product, make_person):
    product = make_product("shop")
    for email, function in [("carol@example.com", "sales"), ("dan@example.com", "design")]:
        Stakeholder.objects.create(product=product, person=make_person(email), function=function)
    return product


def _signed_in(email: str) -> Client:
    user = get_user_model().objects.create_user(
        username=email.split("@", maxsplit=1)[0], email=email, password="pw"
    )
    client = Client()
    client.force_login(user)
    return client


FORM = {
    "function": "sales",
    "north_star": "Win mid-market",
    "delight": "1",
    "adoption": "1",
    "retention": "3",
    "support": "4",
}


def test_answer_form_records_my_answer_and_the_panel_shows_it(shop):
    carol = _signed_in("carol@example.com")
    page = carol.get("/products/shop/alignment/answer/")
    assert page.status_code == 200 and b"What are you trying to achieve" in page.content
    reply = carol.post("/products/shop/alignment/answer/", FORM)
    assert reply.status_code == 302
    answer = Response.objects.get()
    assert answer.person.email == "carol@example.com"
    assert answer.ranking == {"delight": 1, "adoption": 1, "retention": 3, "support": 4}
    dan = _signed_in("dan@example.com")
    dan.post("/products/shop/alignment/answer/", {**FORM, "function": "design", "north_star": "Delight"})
    panel = carol.get("/products/shop/outcomes/")
    assert panel.status_code == 200
    text = panel.content.decode()
    assert "Kendall&#x27;s W" in text or "Kendall's W" in text
    assert "Win mid-market" in text and "Delight" in text
    assert "<svg" in text  # W over time
    product_page = carol.get("/products/shop/")
    assert b"/products/shop/outcomes/" in product_page.content


def test_a_forged_person_field_is_403_and_changes_nothing(shop):
    carol = _signed_in("carol@example.com")
    reply = carol.post("/products/shop/alignment/answer/", {**FORM, "person": "dan@example.com"})
    assert reply.status_code == 403
    assert Response.objects.count() == 0


def test_a_function_that_is_not_mine_is_shown_on_the_form(shop):
    carol = _signed_in("carol@example.com")
    reply = carol.post("/products/shop/alignment/answer/", {**FORM, "function": "design"})
    assert reply.status_code == 200  # the form again, with the error
    assert Response.objects.count() == 0


def test_not_a_stakeholder_sees_why(shop, make_person):
    make_person("zed@example.com")
    page = _signed_in("zed@example.com").get("/products/shop/alignment/answer/")
    assert b"not a stakeholder" in page.content
