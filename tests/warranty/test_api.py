"""The warranty API: a product's estimate, and estimates of posted failure data."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from django.test import Client

from prodops.warranty.srgm import NO_GROWTH
from tests.warranty.test_product_warranty import product  # noqa: F401 - fixture

NTDS = np.cumsum([9, 12, 11, 4, 7, 2, 5, 8, 5, 7, 1, 6, 1, 9, 4, 1, 3, 3, 6, 1, 11, 33, 7, 91, 2, 1]).tolist()


@pytest.fixture
def api(db: Any) -> Client:
    from django.contrib.auth import get_user_model

    from prodops.accounts.models import ApiToken, hash_token

    user = get_user_model().objects.create_user(username="erin", email="erin@example.com", is_superuser=True)
    raw = ApiToken.generate()
    ApiToken.objects.create(user=user, name="t", prefix=raw[:10], token_hash=hash_token(raw), read_only=False)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def post(api: Client, body: dict[str, Any]) -> Any:
    return api.post("/api/v1/warranty/estimate", data=json.dumps(body), content_type="application/json")


def test_estimate_reproduces_goel_okumoto_on_ntds(api):
    # Goel and Okumoto (1979), NTDS data: a = 33.99, b = 0.00579.
    response = post(api, {"times": NTDS, "model": "go"})
    assert response.status_code == 200
    body = response.json()
    assert round(body["models"][0]["params"]["a"], 2) == 33.99
    assert round(body["models"][0]["params"]["b"], 5) == 0.00579


def test_grouped_and_no_growth(api):
    body = post(api, {"period_ends": [1, 2, 3, 4, 5], "counts": [9, 6, 4, 2, 1]}).json()
    assert body["data"]["kind"] == "grouped" and body["selected"]
    body = post(api, {"times": [5, 10, 15, 20, 25, 30]}).json()
    assert body["selected"] is None
    assert all(m["error"] == NO_GROWTH for m in body["models"])


@pytest.mark.parametrize(
    "bad",
    [
        {"times": [3, 2]},
        {"times": [-1, 2]},
        {"times": []},
        {"times": [1, 2], "counts": [1]},
        {"period_ends": [1, 2]},
        {"times": [1, 2], "threshold": 0},
        {"times": [1, 5], "observed_until": 3},
    ],
)
def test_bad_data_is_a_422(api, bad):
    response = post(api, bad)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_product_warranty(api, product):  # noqa: F811
    response = api.get("/api/v1/products/payments-api/warranty")
    assert response.status_code == 200
    body = response.json()
    assert body["warranty"]["product"] == "payments-api"
    assert body["data"]["failures"] >= 26
    assert api.get("/api/v1/products/nope/warranty").status_code == 404
    product.go_live = None
    product.save()
    response = api.get("/api/v1/products/payments-api/warranty")
    assert response.status_code == 422
    [error] = response.json()["detail"]  # the API's shared located 422
    assert error["loc"] == ["path", "slug"]
    assert error["type"] == "invalid"
    assert "go-live" in error["msg"]
