"""A number given for a product's go-live date over the API is a 422 naming the field,
never read as seconds since 1970 (``"go_live": 0`` was stored as 1970-01-01)."""

from __future__ import annotations

import pytest

from prodops.catalog.models import Product
from tests.catalog.test_api import NEW, Api

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", [0, 1700000000, True, 1.5, "0"])
def test_a_number_for_go_live_over_the_api_is_a_422_naming_the_field(catalog, tokens, value):
    api = Api(tokens["rw"])
    response = api("post", "/products", {**NEW, "go_live": value})
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"][-1] == "go_live"
    assert not Product.objects.filter(slug="search").exists()
    response = api("patch", "/products/billing", {"go_live": value}, **{"If-Match": '"1"'})
    assert response.status_code == 422, response.content
    assert Product.objects.get(slug="billing").go_live is None
