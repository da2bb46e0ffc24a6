"""The fact registry's shared batch context: a provider that takes it gets the same
context as every other provider of the batch, lookups are made once, and a provider
called directly (without one) still works."""

from __future__ import annotations

from datetime import UTC, datetime

from prodops.core import facts
from prodops.core.facts import FactContext

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def test_shared_lookup_is_made_once_per_context():
    context = FactContext([1, 2], NOW)
    calls = []

    def load():
        calls.append(1)
        return {"rows": 2}

    assert context.shared("k", load) == {"rows": 2}
    assert context.shared("k", load) is context.shared("k", load)
    assert calls == [1]
    context.provide("given", [3])
    assert context.shared("given", load) == [3]
    assert calls == [1]


def test_compute_hands_one_context_to_providers_that_take_it(monkeypatch):
    seen = []
    spec = facts.FactSpec("test.ctx", "int", "", "")

    def with_context(product_ids, now, context):
        seen.append(context)
        return {
            pid: {"test.ctx": context.shared("n", lambda: len(context.product_ids))} for pid in product_ids
        }

    def without(product_ids, now):
        return {pid: {"test.plain": pid} for pid in product_ids}

    registry = [
        facts.Provider(fn=with_context, specs=(spec,), takes_context=True),
        facts.Provider(fn=without, specs=(spec,)),
    ]
    monkeypatch.setattr(facts, "providers", lambda: list(registry))
    given = FactContext([7, 8], NOW)
    result = facts.compute([7, 8], NOW, context=given)
    assert result == {7: {"test.ctx": 2, "test.plain": 7}, 8: {"test.ctx": 2, "test.plain": 8}}
    assert seen == [given]
    facts.compute([7], NOW)  # without a context, compute makes one for the batch
    assert isinstance(seen[-1], FactContext) and seen[-1] is not given


def test_registration_detects_the_context_parameter():
    def plain(product_ids, now):
        return {}

    def shared(product_ids, now, context=None):
        return {}

    spec = facts.FactSpec("test.detect", "int", "", "")
    try:
        facts.fact_provider(spec)(plain)
        facts.fact_provider(spec)(shared)
        found = {p.fn.__name__: p.takes_context for p in facts._providers if p.fn in (plain, shared)}
    finally:
        facts._providers[:] = [p for p in facts._providers if p.fn not in (plain, shared)]
    assert found == {"plain": False, "shared": True}
