"""Which product fields a config file manages (``prodops apply`` records them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from prodops.catalog.models import Product
from prodops.manifests.models import ManagedField


@dataclass(frozen=True)
class Managed:
    field: str
    source: str


def fields_managed(product: Product, fields: Iterable[str]) -> list[Managed]:
    """The given spec fields of ``product`` that a config file states, with its path."""

    wanted = list(fields)
    if not wanted:
        return []
    rows = ManagedField.objects.filter(kind="Product", key=product.slug, field__in=wanted)
    return [Managed(field=r.field, source=r.source) for r in rows.order_by("field")]


def all_managed(product: Product) -> list[Managed]:

    rows = ManagedField.objects.filter(kind="Product", key=product.slug).order_by("field")
    return [Managed(field=r.field, source=r.source) for r in rows]
