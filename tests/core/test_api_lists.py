"""Issue 16, interfaces that do what they say: every list answers the pagination
envelope, the documented product filters work, and an unknown query parameter is a 422
naming it (never silently ignored)."""

from __future__ import annotations

import pytest


@pytest.fixture
def api(db, client, django_user_model):
    user = django_user_model.objects.create_user("ops", "ops@example.com", "pw", is_superuser=True)
    client.force_login(user)
    return client


def _resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def test_every_list_endpoint_answers_the_envelope(api):
    doc = api.get("/api/v1/openapi.json").json()
    bare = []
    checked = 0
    for path, item in doc["paths"].items():
        op = item.get("get")
        if not op:
            continue
        content = (op.get("responses", {}).get("200", {}).get("content") or {}).get("application/json")
        if not content:
            continue
        schema = _resolve(doc, content["schema"])
        if schema.get("type") == "array":
            bare.append(path)
            continue
        props = schema.get("properties", {})
        if "items" in props and _resolve(doc, props["items"]).get("type") == "array":
            checked += 1
            assert {"count", "limit", "offset"} <= set(props), f"{path}: envelope lacks count/limit/offset"
            params = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
            assert {"limit", "offset"} <= params, f"{path}: no limit/offset parameters"
    assert not bare, f"lists answering a bare array: {bare}"
    assert checked >= 10  # products, teams, people, documents, training, risks, waivers, ...


def _make(make_product, make_person):
    from prodops.catalog.models import Team

    team = Team.objects.create(slug="payments-support", name="Payments support", kind="run")
    make_product(
        "payments-api",
        tier=1,
        stage="build",
        tags=["payments", "pci"],
        run_team=team,
        description="Takes the money",
    )
    make_product(
        "ledger",
        tier=2,
        stage="operate",
        tags=["finance"],
        run_lead=make_person("carol@example.com", "Carol"),
    )
    make_product("checkout-web", tier=1, stage="pilot", tags=["payments"], name="Checkout web")


def _slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"count", "limit", "offset", "items"}
    assert body["count"] == len(body["items"])
    return [p["slug"] for p in body["items"]]


def test_each_documented_product_filter_works(api, make_product, make_person):
    _make(make_product, make_person)
    get = lambda q: _slugs(api.get(f"/api/v1/products?{q}"))  # noqa: E731
    assert get("tag=payments") == ["checkout-web", "payments-api"]
    assert get("tag=pci") == ["payments-api"]
    assert get("tag=nothing") == []
    assert get("q=money") == ["payments-api"]  # description
    assert get("q=CHECKOUT") == ["checkout-web"]  # name and slug, any case
    assert get("team=payments-support") == ["payments-api"]
    assert get("lead=carol@example.com") == ["ledger"]
    assert get("lead=alice@example.com") == ["checkout-web", "ledger", "payments-api"]
    assert get("stage=pilot") == ["checkout-web"]
    assert get("tier=2") == ["ledger"]
    assert get("tag=payments&tier=1&stage=build") == ["payments-api"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/products?colour=red",
        "/api/v1/products?tags=payments",  # a near miss of `tag`
        "/api/v1/teams?q=x",
        "/api/v1/standards?page=2",
    ],
)
def test_an_unknown_query_parameter_is_a_422_naming_it(api, make_product, make_person, url):
    _make(make_product, make_person)
    response = api.get(url)
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    name = url.split("?")[1].split("=")[0]
    assert detail[0]["loc"] == ["query", name]
    assert "unknown query parameter" in detail[0]["msg"]


def test_limit_and_offset_page_through_a_product_list(api, make_product, make_person):
    _make(make_product, make_person)
    first = api.get("/api/v1/products/payments-api/documents?limit=1&offset=0").json()
    assert first == {"count": 0, "limit": 1, "offset": 0, "items": []}
    assert api.get("/api/v1/products?limit=2&offset=1").json()["items"][0]["slug"] == "ledger"
    assert api.get("/api/v1/products?limit=0").status_code == 422
