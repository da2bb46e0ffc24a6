"""The alignment survey through its doors: API, CLI, facts. Personas: alice builds, bob
runs; carol (sales), dan (design) and erin (support) are stakeholders."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from prodops.accounts.models import ApiToken, hash_token
from prodops.alignment import kendall, services
from prodops.alignment.models import ITEMS, Response, Round
from prodops.catalog.models import Stakeholder
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, PermissionDenied, Refused
from prodops.core.facts import compute

AGREE = {"delight": 1, "adoption": 2, "retention": 3, "support": 4}


def _client(email: str, *, superuser: bool = False) -> Client:
    user = get_user_model().objects.create_user(
        username=email.split("@", maxsplit=1)[0], email=email, is_superuser=superuser
    )
    raw = ApiToken.generate()
    ApiToken.objects.create(user=user, name="t", prefix=raw[:10], token_hash=hash_token(raw), read_only=False)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _actor(email: str) -> Actor:
    user = get_user_model().objects.get_or_create(
        username=email.split("@", maxsplit=1)[0], defaults={"email": email}
    )[0]
    return Actor.for_user(user, "api")


@pytest.fixture
def product(make_product, make_person):
    product = make_product("shop")
    for email, function in [
        ("carol@example.com", "sales"),
        ("dan@example.com", "design"),
        ("erin@example.com", "customer service"),
        ("fay@example.com", "analytics"),
    ]:
        Stakeholder.objects.create(product=product, person=make_person(email), function=function)
    return product


def _post(client: Client, body: Any, slug: str = "shop") -> Any:
    return client.post(
        f"/api/v1/products/{slug}/alignment/responses", data=json.dumps(body), content_type="application/json"
    )


def test_answer_through_the_api_and_read_w(product):
    carol = _client("carol@example.com")
    reply = _post(carol, {"function": "sales", "north_star": "Win the mid-market", "ranking": AGREE})
    assert reply.status_code == 201, reply.content
    assert reply.json()["raters"] == 1 and reply.json()["w"] is None
    dan = _client("dan@example.com")
    reply = _post(
        dan, {"function": "design", "ranking": {"delight": 1, "adoption": 1, "retention": 3, "support": 4}}
    )
    body = reply.json()
    assert body["raters"] == 2
    rows = [kendall.rank_vector(AGREE, ITEMS), [1.5, 1.5, 3, 4]]
    expected = kendall.concordance(rows)
    assert body["w_corrected"] == round(expected.w_corrected, 4)
    assert body["w"] == round(expected.w, 4)
    assert body["p_method"] == "exact"
    assert [c["item"] for c in body["consensus"]] == ["delight", "adoption", "retention", "support"]
    assert set(body) >= {
        "product", "round", "raters", "items", "w", "w_corrected", "p_value", "p_method",
        "consensus", "outlier", "responses",
    }  # fmt: skip
    assert body["round"]["number"] == 1


def test_a_body_naming_someone_else_is_403_and_changes_nothing(product):
    carol = _client("carol@example.com")
    reply = _post(carol, {"person": "dan@example.com", "function": "design", "ranking": AGREE})
    assert reply.status_code == 403
    assert Response.objects.count() == 0
    # Naming oneself is fine.
    assert (
        _post(carol, {"person": "CAROL@example.com", "function": "sales", "ranking": AGREE}).status_code
        == 201
    )


def test_service_refuses_answering_for_someone_else(product, make_person):
    with pytest.raises(PermissionDenied):
        services.answer(
            actor=_actor("carol@example.com"), product=product, function="design", ranking=AGREE,
            person="dan@example.com",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"function": "sales", "ranking": {"delight": 1, "adoption": 2, "retention": 3}}, "support"),
        ({"function": "sales", "ranking": {**AGREE, "support": 5}}, "support"),
        ({"function": "sales", "ranking": {**AGREE, "support": True}}, "support"),
        ({"function": "sales", "ranking": {**AGREE, "support": 2.5}}, "support"),
        ({"function": "sales", "ranking": {**AGREE, "profit": 1}}, "profit"),
        ({"function": "sales", "ranking": "1,2,3,4"}, "ranking"),
        ({"function": "sales", "ranking": AGREE, "north_star": "a\x00b"}, "north_star"),
        ({"function": "sales", "ranking": AGREE, "north_star": "x" * 5000}, "north_star"),
        ({"function": "marketing", "ranking": AGREE}, "function"),
        ({"function": ["sales"], "ranking": AGREE}, "function"),
    ],
)
def test_hostile_input_is_422_naming_the_field(product, body, field):
    reply = _post(_client("carol@example.com"), body)
    assert reply.status_code == 422, reply.content
    assert field in json.dumps(reply.json())
    assert Response.objects.count() == 0


def test_nan_in_the_ranking_is_422(product):
    reply = _client("carol@example.com").post(
        "/api/v1/products/shop/alignment/responses",
        data='{"function": "sales", "ranking": {"delight": NaN, "adoption": 2, "retention": 3, "support": 4}}'
        "",
        content_type="application/json",
    )
    assert reply.status_code in (400, 422)
    assert Response.objects.count() == 0


def test_not_a_stakeholder_is_refused(product, make_person):
    make_person("zed@example.com")
    with pytest.raises(Refused):
        services.answer(actor=_actor("zed@example.com"), product=product, function="sales", ranking=AGREE)


def test_one_current_answer_per_round_with_history_and_new_rounds(product):
    carol = _actor("carol@example.com")
    services.answer(actor=carol, product=product, function="sales", ranking=AGREE)
    services.answer(
        actor=carol, product=product, function="sales", ranking={**AGREE, "delight": 4, "support": 1}
    )
    assert Response.objects.filter(person__email="carol@example.com").count() == 2
    assert Response.objects.filter(person__email="carol@example.com", current=True).count() == 1
    assert services.summary(product)["responses"][0]["ranking"]["support"] == 1
    # Opening a round is for a lead; carol is not one.
    with pytest.raises(PermissionDenied):
        services.open_round(actor=carol, product=product)
    services.open_round(actor=_actor("alice@example.com"), product=product)
    assert Round.objects.filter(product=product).count() == 2
    assert services.summary(product)["raters"] == 0
    assert services.summary(product, 1)["raters"] == 1
    assert len(services.trajectory(product)) == 2


def test_outlier_names_the_person_and_function(product):
    services.answer(actor=_actor("carol@example.com"), product=product, function="sales", ranking=AGREE)
    services.answer(actor=_actor("dan@example.com"), product=product, function="design", ranking=AGREE)
    services.answer(
        actor=_actor("erin@example.com"), product=product, function="customer service",
        ranking={"delight": 2, "adoption": 1, "retention": 3, "support": 4},
    )  # fmt: skip
    services.answer(
        actor=_actor("fay@example.com"), product=product, function="analytics",
        ranking={"delight": 4, "adoption": 3, "retention": 2, "support": 1},
    )  # fmt: skip
    data = services.summary(product)
    assert data["outlier"]["person"] == "fay@example.com"
    assert data["outlier"]["function"] == "analytics"
    assert data["outlier"]["w_without"] > data["w_corrected"]


def test_facts_and_cli(product, prodops):
    for email, function in [("carol@example.com", "sales"), ("dan@example.com", "design")]:
        services.answer(
            actor=_actor(email), product=product, function=function, ranking=AGREE, north_star="Grow"
        )
    services.answer(
        actor=_actor("erin@example.com"), product=product, function="customer service",
        ranking={"delight": 2, "adoption": 1, "retention": 3, "support": 4},
    )  # fmt: skip
    facts = compute([product.pk], timezone.now())[product.pk]
    assert facts["alignment.responses"] == 3
    assert facts["alignment.functions"] == 3
    assert facts["alignment.w"] == services.summary(product)["w_corrected"]
    assert 0 < facts["alignment.p_value"] < 1

    code, out, _ = prodops("alignment", "shop", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["raters"] == 3 and data["p_method"] == "exact"
    code, out, _ = prodops("alignment", "shop")
    assert code == 0 and "Kendall's W" in out and "customer service" in out
    code, _, err = prodops("alignment", "nope")
    assert code == 2 and "nope" in err


def test_facts_unknown_without_answers(product):
    facts = compute([product.pk], timezone.now())[product.pk]
    assert facts["alignment.responses"] == 0
    assert "alignment.w" not in facts


def test_invalid_ranking_message_names_field():
    with pytest.raises(InvalidInput) as error:
        services.validate_ranking({"delight": 0, "adoption": 1, "retention": 1, "support": 1})
    assert error.value.field == "ranking.delight"
