"""Identities for the authorization tests, each with an API token.

alice builds and bob runs ``payments-api`` (plan stage: a fresh product), erin works in its
build team, mei is a member who leads nothing, vic is a viewer, olga works in product
operations, root is an admin; ``ro`` is alice's read-only token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

IDENTITIES = {
    # name: (email, role)
    "viewer": ("vic@example.com", "viewer"),
    "member": ("mei@example.com", "member"),
    "team_member": ("erin@example.com", "member"),
    "build_lead": ("alice@example.com", "member"),
    "run_lead": ("bob@example.com", "member"),
    "product_ops": ("olga@example.com", "product_ops"),
    "admin": ("root@example.com", "admin"),
}


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    """The people, their users and tokens, a build team, and ``payments-api``."""
    from django.contrib.auth import get_user_model

    from prodops.accounts.models import ApiToken, UserRole, hash_token
    from prodops.catalog.schemas import ProductSpec, TeamSpec
    from prodops.catalog.services import save_product, upsert_person, upsert_team
    from prodops.core.actors import Actor

    operator = Actor.cli("tests")
    users: dict[str, Any] = {}
    tokens: dict[str, str] = {}
    for name, (email, role) in IDENTITIES.items():
        upsert_person(actor=operator, email=email, name=email.split("@")[0].title())
        user = get_user_model().objects.create_user(
            username=email.split("@")[0],
            email=email,
            is_superuser=role == "admin",
            is_staff=role == "admin",
        )
        if role in {"viewer", "product_ops"}:
            UserRole.objects.create(user=user, role=role)
        users[name] = user
        for label, read_only in ((name, False), (f"{name}-ro", True)):
            raw = ApiToken.generate()
            ApiToken.objects.create(
                user=user, name=label, prefix=raw[:10], token_hash=hash_token(raw), read_only=read_only
            )
            tokens[label] = raw
    tokens["read_only"] = tokens.pop("build_lead-ro")
    upsert_team(
        actor=operator,
        slug="pay-dev",
        name="Payments dev",
        spec=TeamSpec(kind="build", members=["alice@example.com", "erin@example.com"]),
    )
    upsert_team(
        actor=operator,
        slug="pay-run",
        name="Payments run",
        spec=TeamSpec(kind="run", members=["bob@example.com", "erin@example.com"]),
    )
    spec = ProductSpec.model_validate(
        {
            "stage": "build",
            "tier": 2,
            "owners": {"build_lead": "alice@example.com", "run_lead": "bob@example.com"},
            "teams": {"build": "pay-dev", "run": "pay-run"},
        }
    )
    product, _ = save_product(actor=operator, slug="payments-api", name="Payments API", spec=spec)
    return {"users": users, "tokens": tokens, "product": product}


@pytest.fixture
def api(world: dict[str, Any]) -> Callable[..., Any]:
    """``api(identity, method, path, body=None, **headers)`` with that identity's token."""
    import json

    def call(identity: str | None, method: str, path: str, body: Any = None, **headers: str) -> Any:
        if identity is not None:
            headers = {"Authorization": f"Bearer {world['tokens'][identity]}", **headers}
        kwargs: dict[str, Any] = {"headers": headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(Client(), method)(f"/api/v1{path}", **kwargs)

    return call
