"""Fixtures for readiness and lifecycle tests: a small custom standard over custom facts,
and actors for the personas (alice builds, bob runs, mallory is neither, root is admin)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prodops.core.actors import Actor

ACME = {
    "criteria": [
        {
            "id": "owners",
            "gate": "build",
            "rule": "owners.complete",
            "why": "Two in a box.",
            "fix": "Name both leads.",
        },
        {
            "id": "coverage",
            "gate": "pilot",
            "area": "quality",
            "rule": "custom.coverage >= 0.8",
            "title": "Tests cover 80%",
            "why": "Untested code breaks in production.",
            "fix": "Write tests.",
        },
        {
            "id": "slo",
            "gate": "pilot",
            "tiers": [1, 2],
            "rule": "slo.count > 0",
            "why": "SRE.",
            "fix": "Add an SLO.",
        },
        {"id": "style", "gate": "pilot", "severity": "advisory", "rule": "custom.lint == 0"},
        {
            "id": "accepted",
            "gate": "warranty",
            "attest": {"role": "run_lead", "every": "30d"},
            "why": "The run team accepts.",
            "fix": "Bob attests.",
        },
    ]
}


def make_actor(email: str, *, superuser: bool = False) -> Actor:
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username=email.split("@", maxsplit=1)[0], defaults={"email": email, "is_superuser": superuser}
    )
    return Actor.for_user(user, "api")


@pytest.fixture
def people(db: Any) -> dict[str, Actor]:
    return {
        "alice": make_actor("alice@example.com"),
        "bob": make_actor("Bob@Example.com"),
        "mallory": make_actor("mallory@example.com"),
        "root": make_actor("root@example.com", superuser=True),
    }


@pytest.fixture
def acme(db: Any, actor: Actor) -> str:
    from prodops.readiness.services import apply_standard

    apply_standard(actor=actor, slug="acme", name="ACME", spec=ACME)
    return "acme"


@pytest.fixture
def acme_product(acme: str, make_product: Callable[..., Any]) -> Any:
    return make_product("pay", standard=acme, tier=1, stage="build")
