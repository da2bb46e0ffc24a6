"""Every API answer is JSON, errors included, and hostile values are a 422 naming the
field, never a 500 or a hang (security audit 2026-11-29, M5, M6, L7)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from prodops.accounts.models import ApiToken, hash_token
from prodops.catalog.models import Person, Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(catalog: Any, django_user_model: Any) -> Client:
    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    raw = ApiToken.generate()
    ApiToken.objects.create(user=user, name="t", prefix=raw[:10], token_hash=hash_token(raw))
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", raise_request_exception=False)


@pytest.fixture
def catalog(db: Any) -> None:
    from tests.catalog.conftest import catalog as make

    make.__wrapped__(db)  # type: ignore[attr-defined]


def _send(client: Client, method: str, path: str, raw: str | bytes, **extra: Any) -> Any:
    return getattr(client, method)(f"/api/v1{path}", data=raw, content_type="application/json", **extra)


def _located(response: Any) -> list[list[Any]]:
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/json")
    return [error["loc"] for error in response.json()["detail"]]


CAPACITY = ["body", "capacity_hours_per_week"]


@pytest.mark.parametrize(
    ("method", "path", "raw", "loc"),
    [  # loc: the field as ["body", ...]
        (
            "patch",
            "/teams/pay-dev",
            '{"capacity_hours_per_week": Infinity}',
            CAPACITY,
        ),
        ("patch", "/teams/pay-dev", '{"capacity_hours_per_week": NaN}', CAPACITY),
        (
            "patch",
            "/teams/pay-dev",
            '{"capacity_hours_per_week": 1e400}',
            CAPACITY,
        ),
        (
            "patch",
            "/teams/pay-dev",
            '{"capacity_hours_per_week": "Infinity"}',
            CAPACITY,
        ),
        ("patch", "/teams/pay-dev", '{"kind": null}', ["body", "kind"]),
        ("patch", "/teams/pay-dev", '{"members": null}', ["body", "members"]),
        ("patch", "/teams/pay-dev", '{"capacity_hours_per_week": null}', CAPACITY),
        ("patch", "/teams/pay-dev", '{"name": "a\\u0000b"}', ["body", "name"]),
        (
            "post",
            "/teams",
            '{"slug":"t-ws","name":"x","kind":"run","members":["\\u001e@a.bc"]}',
            ["body", "payload", "members", 0],
        ),
        ("post", "/people", '{"email": "\\u001e@a.bc", "name": "x"}', ["body", "payload", "email"]),
    ],
)
def test_hostile_bodies_are_422_naming_the_field(admin, method, path, raw, loc):
    before = list(Team.objects.values_list("slug", "capacity_hours_per_week", "kind", "name"))
    people = Person.objects.count()
    headers = {"HTTP_IF_MATCH": "*"} if method == "patch" else {}
    response = _send(admin, method, path, raw, **headers)
    locs = _located(response)
    tail = [part for part in loc if part not in ("body", "payload")]
    assert any(found[0] == "body" and found[-len(tail) :] == tail for found in locs), locs
    assert list(Team.objects.values_list("slug", "capacity_hours_per_week", "kind", "name")) == before
    assert Person.objects.count() == people


@pytest.mark.parametrize("path", ["/products", "/teams", "/people"])
def test_an_offset_beyond_range_is_422(admin, path):
    locs = _located(admin.get(f"/api/v1{path}?offset=9223372036854775808"))
    assert ["query", "offset"] in locs


@pytest.mark.parametrize("path", ["/people?q=a%00b", "/products/a%00b", "/products?tag=x%00"])
def test_a_nul_byte_in_the_url_is_422(admin, path):
    response = admin.get(f"/api/v1{path}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "must not contain a NUL character"


@pytest.mark.parametrize(
    ("request_kwargs", "status"),
    [
        ({"method": "get", "path": "/api/v1/no-such-route"}, 404),
        ({"method": "put", "path": "/api/v1/events/unmapped"}, 405),
        ({"method": "get", "path": "/api/v1/products", "HTTP_HOST": "evil.example"}, 400),
    ],
    ids=["404", "405", "400 bad host"],
)
def test_errors_made_outside_an_operation_are_json(admin, request_kwargs, status):
    kwargs = dict(request_kwargs)
    response = getattr(admin, kwargs.pop("method"))(kwargs.pop("path"), **kwargs)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_an_unhandled_error_is_a_json_500(admin, monkeypatch):
    from prodops.events import services

    def boom() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "unmapped_counts", boom)
    response = admin.get("/api/v1/events/unmapped")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error", "code": "server_error"}


def test_a_body_over_the_limit_is_a_json_413(admin, settings):
    settings.PRODOPS_MAX_BODY_BYTES = 1000
    body = "\n".join(
        json.dumps({"type": "usage", "date": "2026-01-05", "active_users": i}) for i in range(50)
    )
    response = admin.post("/api/v1/events/bulk", data=body, content_type="application/x-ndjson")
    assert response.status_code == 413
    assert "PRODOPS_MAX_BODY_BYTES" in response.json()["detail"]


def test_a_bulk_body_beyond_djangos_default_is_read(admin, settings):
    """4.5 MB of NDJSON (audit M5: refused with a 400 HTML page at Django's 2.5 MB)."""
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.PRODOPS_MAX_BODY_BYTES == 64 * 1024 * 1024
    line = {"type": "usage", "date": "2026-01-05", "active_users": 1, "source": "x" * 32}
    lines = []
    for i in range(20000):
        line["date"] = f"20{10 + i // 365 % 80:02d}-01-{1 + i % 28:02d}"
        lines.append(json.dumps(line) + " " * 180)
    body = "\n".join(lines)
    assert len(body) > 4_000_000
    response = admin.post("/api/v1/events/bulk", data=body, content_type="application/x-ndjson")
    assert response.status_code == 201, response.content[:300]


@pytest.mark.parametrize("path", ["/known-errors/?q=a%00b", "/products/a%00b/", "/?tag=x%00"])
def test_a_nul_byte_in_a_web_url_is_a_400(admin, django_user_model, path):
    client = Client()
    client.force_login(django_user_model.objects.get(username="root"))
    assert client.get(path).status_code == 400
