"""Shared fixtures. Personas: alice builds, bob runs, carol supports, dave is a viewer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prodops.core.actors import Actor


@pytest.fixture
def actor() -> Actor:
    return Actor.cli("tests")


@pytest.fixture
def make_person(db: Any) -> Callable[..., Any]:
    from prodops.catalog.models import Person

    def make(email: str, name: str = "") -> Person:
        person, _ = Person.objects.get_or_create(email=email, defaults={"name": name})
        return person

    return make


@pytest.fixture
def make_product(make_person: Callable[..., Any]) -> Callable[..., Any]:
    """A product with both leads (alice builds, bob runs), created straight in the
    database: for tests of *other* behaviour than creating products."""
    from prodops.catalog.models import Product

    def make(slug: str = "payments-api", **fields: Any) -> Product:
        fields.setdefault("name", slug.replace("-", " ").title())
        fields.setdefault("build_lead", make_person("alice@example.com", "Alice"))
        fields.setdefault("run_lead", make_person("bob@example.com", "Bob"))
        return Product.objects.create(slug=slug, **fields)

    return make


@pytest.fixture
def prodops(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Run the ``prodops`` CLI in-process: ``code, out, err = prodops("apply", "-f", path)``.

    A management command run from argv closes every database connection when it ends;
    on PostgreSQL that would drop the test's transaction, so the test keeps it open."""
    from django.db import connections

    from prodops.cli import main

    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def worker_once(prodops: Callable[..., Any]) -> Callable[[], str]:
    """Run ``prodops worker --once`` in-process (every due periodic job and queued task,
    e.g. the re-evaluations a change queued); it must exit 0. Tasks are queued inside the
    test's transaction, so the worker sees them without any commit."""

    def run() -> str:
        code, out, err = prodops("worker", "--once")
        assert code == 0, err
        return out

    return run
