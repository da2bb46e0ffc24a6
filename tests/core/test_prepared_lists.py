"""Prepared queries with lists beside ``p.ids``: a list of strings declared with
``ListOf(field)``, and an empty list inside an OR, which drops that branch only (as
the ``in_ids`` lookup does in a queryset built with the values), while a query that
can match nothing sends nothing. The oracle is the same queryset built with the
values with Django's own ``__in``, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import CharField, Q

from prodops.catalog.models import Product
from prodops.core.prepared import ListOf, PreparedQuery


def _either(p: Any) -> Any:
    return (
        Product.objects.filter(Q(pk__in_ids=p.ids) | Q(slug__in_ids=p.slugs))
        .order_by("slug")
        .values_list("slug", flat=True)
    )


EITHER = PreparedQuery(_either, slugs=ListOf(CharField()))


@pytest.mark.django_db
def test_string_lists_and_empty_branches(make_product, django_assert_num_queries):
    products = [make_product(f"p{i}") for i in range(4)]
    ids = [p.pk for p in products]
    cases = [
        ({"ids": [ids[0]], "slugs": ["p2"]}, ["p0", "p2"]),
        ({"ids": [], "slugs": ["p1", "p3", "nobody"]}, ["p1", "p3"]),
        ({"ids": ids[1:3], "slugs": []}, ["p1", "p2"]),
        ({"ids": [ids[3]], "slugs": ["p3"]}, ["p3"]),
    ]
    for values, expected in cases:
        with django_assert_num_queries(1):
            assert EITHER.rows(**values) == expected
        plain = Product.objects.filter(Q(pk__in=values["ids"]) | Q(slug__in=values["slugs"]))
        assert sorted(plain.values_list("slug", flat=True)) == expected
    with django_assert_num_queries(0):
        assert EITHER.rows(ids=[], slugs=[]) == []
    # a list's length is part of the shape: a longer list is another compiled query
    assert EITHER.rows(ids=[], slugs=["p0", "p1", "p2", "p3"]) == ["p0", "p1", "p2", "p3"]
    with pytest.raises(TypeError, match="needs slugs"):
        EITHER.rows(ids=[ids[0]])
