"""The fact registry: every fact has a name, a type, a unit, a description and the code
that computes it.

A *provider* computes a group of facts for a batch of products at once, so that a whole
portfolio is evaluated with a handful of queries rather than a query per product and
fact. Apps declare providers in a module named ``facts.py``; the registry imports every
installed app's ``facts`` module on first use.

    from prodops.core.facts import FactSpec, fact_provider

    @fact_provider(
        FactSpec("docs.<kind>.count", "int", "documents", "Documents of that kind."),
        FactSpec("docs.stale_count", "int", "documents", "Documents past review."),
    )
    def knowledge_facts(product_ids, now):
        return {pid: {"docs.runbook.count": 2, "docs.stale_count": 0} for pid in product_ids}

Names may contain one ``<placeholder>`` segment (``docs.<kind>.count``,
``custom.<key>``); a provider may return any concrete name that matches one of its
specs. A product absent from the result, or a fact absent from its dict, is *unknown*.

A provider may take a third argument, the batch's :class:`FactContext`: the lookups
several providers need (the product rows, their teams) are made once per batch and
shared through it, so re-evaluating one product does not read its row five times.
Called without one (a test calling the provider directly), it builds its own.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject
from django.db.models.lookups import In
from django.utils.module_loading import autodiscover_modules

from prodops.core.prepared import IdsParam

FactType = Literal["int", "float", "bool", "string", "date", "duration", "list", "map"]
FactValues = Mapping[int, Mapping[str, Any]]
ProviderFn = Callable[..., FactValues]  # (product_ids, now) or (product_ids, now, context)
T = TypeVar("T")


class FactContext:
    """What the fact providers of one batch share: the batch, its time, and lookups made
    once and cached (``shared``). The app that owns a lookup names its key and offers a
    function over the context (``catalog.facts.products``); the caller of ``compute``
    may hand over rows it has already read (``provide``), so they are not read again."""

    def __init__(self, product_ids: Sequence[int], now: datetime) -> None:
        self.product_ids = list(product_ids)
        self.now = now
        self._shared: dict[str, Any] = {}

    def shared(self, key: str, load: Callable[[], T]) -> T:
        """The value under ``key``, loaded by ``load()`` on first use in this batch."""
        if key not in self._shared:
            self._shared[key] = load()
        return self._shared[key]

    def provide(self, key: str, value: Any) -> None:
        """Hand over a lookup already made (it must cover the whole batch)."""
        self._shared[key] = value


@dataclass(frozen=True)
class FactSpec:
    name: str
    type: FactType
    unit: str
    description: str

    @property
    def pattern(self) -> re.Pattern[str]:
        parts = re.split(r"(<[a-z_]+>)", self.name)
        body = "".join(r"[A-Za-z0-9_\-]+" if p.startswith("<") else re.escape(p) for p in parts)
        return re.compile(f"^{body}$")

    def matches(self, name: str) -> bool:
        return bool(self.pattern.match(name))


@dataclass
class Provider:
    fn: ProviderFn
    specs: tuple[FactSpec, ...]
    module: str = field(default="")
    takes_context: bool = False

    def __call__(self, product_ids: Sequence[int], now: datetime, context: FactContext) -> FactValues:
        return self.fn(product_ids, now, context) if self.takes_context else self.fn(product_ids, now)

    @property
    def name(self) -> str:
        return f"{self.fn.__module__}.{self.fn.__qualname__}"


@Field.register_lookup
class InIds(In):
    """``field__in_ids=[1, 2, ...]``: ``__in`` for a list of integer ids, without
    Django's per-value preparation (two method calls per id), which costs more than the
    query itself when a provider filters on a batch of 2,000 products."""

    lookup_name = "in_ids"

    def get_prep_lookup(self) -> Any:
        return self.rhs

    def process_rhs(self, compiler: Any, connection: Any) -> Any:
        if isinstance(self.rhs, IdsParam):  # a prepared query's placeholder (core.prepared)
            return self.rhs.sql()
        ids = list(dict.fromkeys(int(v) for v in self.rhs))
        if not ids:
            raise EmptyResultSet
        return "(" + ", ".join(["%s"] * len(ids)) + ")", ids

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN {rhs}", [*lhs_params, *rhs_params]


ForeignObject.register_lookup(InIds)  # relations keep their own lookups, apart from Field's


_providers: list[Provider] = []
_discovered = False


def fact_provider(*specs: FactSpec) -> Callable[[ProviderFn], ProviderFn]:
    def register(fn: ProviderFn) -> ProviderFn:
        _providers[:] = [p for p in _providers if p.name != f"{fn.__module__}.{fn.__qualname__}"]
        takes_context = len(inspect.signature(fn).parameters) >= 3
        _providers.append(
            Provider(fn=fn, specs=tuple(specs), module=fn.__module__, takes_context=takes_context)
        )
        return fn

    return register


def providers() -> list[Provider]:
    global _discovered  # noqa: PLW0603 - the registry is process-wide by design
    if not _discovered:
        autodiscover_modules("facts")
        _discovered = True
    return list(_providers)


_placeholders: dict[str, Callable[[], Iterable[str]]] = {}


def register_placeholder(name: str, values: Callable[[], Iterable[str]]) -> None:
    """Declare the known values of a ``<name>`` placeholder segment (``docs.<kind>.count``
    accepts the document kinds only), so a misspelt fact name is refused when a rule is
    applied. Call it in the app's ``facts.py``; the app that owns the values declares
    them, and the readiness app reads them here without importing that app."""
    _placeholders[name] = values


def placeholder_values() -> dict[str, set[str]]:
    """Known values of each placeholder; a placeholder absent here accepts any segment."""
    providers()  # discovery registers the placeholders too
    return {name: set(values()) for name, values in _placeholders.items()}


def specs() -> list[FactSpec]:
    """Every declared fact, sorted by name."""
    return sorted((s for p in providers() for s in p.specs), key=lambda s: s.name)


def spec_for(name: str) -> FactSpec | None:
    """The spec that declares a concrete fact name, or None if no provider declares it."""
    for spec in specs():
        if spec.name == name or spec.matches(name):
            return spec
    return None


def serving(names: Iterable[str], prefixes: Sequence[str] = ()) -> list[Provider]:
    """The providers that may give one of ``names`` or a fact under one of ``prefixes``
    (namespaces read whole, ``custom.``), in registry order. A provider whose every
    fact is unread has no need to run: a readiness evaluation asks only for these."""
    wanted = set(names)
    return [p for p in providers() if any(_serves(spec, wanted, prefixes) for spec in p.specs)]


def _serves(spec: FactSpec, wanted: set[str], prefixes: Sequence[str]) -> bool:
    if spec.name in wanted or ("<" in spec.name and any(spec.matches(name) for name in wanted)):
        return True
    head = spec.name.split("<", 1)[0]  # ``docs.`` for ``docs.<kind>.count``
    return any(head.startswith(prefix) or prefix.startswith(head) for prefix in prefixes)


def compute(
    product_ids: Sequence[int],
    now: datetime,
    *,
    context: FactContext | None = None,
    only: Sequence[Provider] | None = None,
) -> dict[int, dict[str, Any]]:
    """Every fact of every product in the batch (``only``: the facts of these providers,
    see :func:`serving`). ``context``: one made for this batch (same ids and time), with
    lookups the caller has already made."""
    context = context or FactContext(product_ids, now)
    result: dict[int, dict[str, Any]] = {pid: {} for pid in product_ids}
    for provider in providers() if only is None else only:
        for pid, values in provider(product_ids, now, context).items():
            if pid in result:
                result[pid].update(values)
    return result
