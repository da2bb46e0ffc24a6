"""Prepared queries (``core.prepared``): built and compiled once per shape, then re-sent
with new values. The oracle is Django itself: each prepared query must return what the
same queryset, built with the real values, returns, on SQLite and on PostgreSQL
(datetimes, dates and JSON go through the backends' own converters)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db.models import CharField, Count, DateField, DateTimeField, F, Q, Value

from prodops.catalog.models import Product
from prodops.core import prepared
from prodops.core.prepared import PreparedQuery
from prodops.events.models import Defect, Incident

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def portfolio(make_product: Any) -> list[Product]:
    products = [
        make_product(
            f"p{i}",
            tags=["payments", f"t{i}"],
            links={"repo": f"https://git.example.com/p{i}"},
            go_live=date(2026, 1, 1) + timedelta(days=30 * i),
        )
        for i in range(4)
    ]
    for i, product in enumerate(products):
        for j in range(i + 1):
            Incident.objects.create(
                product=product,
                source="test",
                external_id=f"{i}-{j}",
                severity=1 + j % 3,
                opened_at=NOW - timedelta(days=10 * j, microseconds=7),
                resolved_at=None if j % 2 == 0 else NOW - timedelta(days=1),
            )
            Defect.objects.create(
                product=product,
                source="test",
                external_id=f"d{i}-{j}",
                severity=["critical", "high", "low"][j % 3],
                found_at=NOW - timedelta(days=5 * j),
            )
    return products


def _incidents(ids: Any, before: Any) -> Any:
    return (
        Incident.objects.filter(product_id__in_ids=ids, opened_at__lte=before)
        .order_by("product_id", "opened_at", "id")
        .values_list("product_id", "severity", "opened_at", "resolved_at")
    )


INCIDENTS = PreparedQuery(lambda p: _incidents(p.ids, p.before), before=DateTimeField())


@pytest.mark.django_db
def test_rows_equal_the_queryset_built_with_the_values(portfolio):
    ids = [p.pk for p in portfolio]
    for batch in ([ids[0]], [ids[3]], ids[:2], ids, [ids[2], ids[1]]):
        for before in (NOW, NOW - timedelta(days=15), NOW - timedelta(days=100)):
            got = INCIDENTS.rows(ids=batch, before=before)
            assert got == list(_incidents(batch, before))
    # the datetimes are aware datetimes, not SQLite's text
    (_, _, opened, _resolved) = INCIDENTS.rows(ids=[ids[1]], before=NOW)[-1]
    assert isinstance(opened, datetime) and opened.tzinfo is not None
    assert INCIDENTS.rows(ids=[ids[3]], before=NOW - timedelta(days=1000)) == []


@pytest.mark.django_db
def test_one_query_per_call_and_one_build_per_shape(portfolio, django_assert_num_queries):
    builds: list[int] = []

    def build(p: Any) -> Any:
        builds.append(1)
        return _incidents(p.ids, p.before)

    query = PreparedQuery(build, before=DateTimeField())
    ids = [p.pk for p in portfolio]
    for pid in ids:
        with django_assert_num_queries(1):
            query.rows(ids=[pid], before=NOW)
    assert len(builds) == 1  # one shape: a one-id batch
    query.rows(ids=ids[:2], before=NOW)
    query.rows(ids=ids[2:], before=NOW)
    assert len(builds) == 2  # a two-id batch is another shape, compiled once
    long = [*ids, *range(10_000, 10_000 + prepared.MAX_CACHED_IDS)]
    assert query.rows(ids=long, before=NOW) == list(_incidents(long, NOW))
    query.rows(ids=long, before=NOW)
    assert len(builds) == 4  # long batches are built each time, never kept
    with django_assert_num_queries(0):
        assert query.rows(ids=[], before=NOW) == []


@pytest.mark.django_db
def test_union_with_aggregates_and_literals(portfolio):
    def both(ids: Any, since: Any) -> Any:
        incidents = (
            Incident.objects.filter(product_id__in_ids=ids, resolved_at__isnull=True)
            .order_by()
            .values("product_id")
            .annotate(
                k=Value("i", CharField()), pid=F("product_id"), n=Count("id", filter=Q(opened_at__gt=since))
            )
            .values_list("k", "pid", "n")
        )
        defects = (
            Defect.objects.filter(product_id__in_ids=ids, severity="critical")
            .order_by()
            .values("product_id")
            .annotate(
                k=Value("d", CharField()), pid=F("product_id"), n=Count("id", filter=Q(found_at__gt=since))
            )
            .values_list("k", "pid", "n")
        )
        return incidents.union(defects, all=True)

    query = PreparedQuery(lambda p: both(p.ids, p.since), since=DateTimeField())
    ids = [p.pk for p in portfolio]
    for batch in ([ids[2]], ids):
        for since in (NOW - timedelta(days=1000), NOW - timedelta(days=12)):
            assert sorted(query.rows(ids=batch, since=since)) == sorted(both(batch, since))


@pytest.mark.django_db
def test_dicts_flat_values_and_dates(portfolio):
    dicts = PreparedQuery(
        lambda p: (
            Product.objects.filter(pk__in_ids=p.ids, go_live__gte=p.day).order_by("pk").values("slug", "tags")
        ),
        day=DateField(),
    )
    flat = PreparedQuery(
        lambda p: Product.objects.filter(pk__in_ids=p.ids).order_by("-pk").values_list("go_live", flat=True)
    )
    ids = [p.pk for p in portfolio]
    day = date(2026, 2, 15)
    assert dicts.rows(ids=ids, day=day) == list(
        Product.objects.filter(pk__in=ids, go_live__gte=day).order_by("pk").values("slug", "tags")
    )
    assert dicts.rows(ids=ids, day=day)[0]["tags"] == ["payments", "t2"]  # JSON decoded
    assert flat.rows(ids=ids) == list(
        Product.objects.filter(pk__in=ids).order_by("-pk").values_list("go_live", flat=True)
    )
    assert isinstance(flat.rows(ids=ids)[0], date)


@pytest.mark.django_db
def test_model_instances_with_annotations(portfolio):
    def build(p: Any) -> Any:
        return (
            Product.objects.filter(pk__in_ids=p.ids)
            .order_by("pk")
            .annotate(open_incidents=Count("incidents", filter=Q(incidents__opened_at__lte=p.now)))
        )

    query = PreparedQuery(build, now=DateTimeField())
    ids = [p.pk for p in portfolio]
    got = query.rows(ids=ids, now=NOW)
    want = list(build(type("P", (), {"ids": ids, "now": NOW})))
    assert [(p.pk, p.slug, p.tags, p.links, p.go_live, p.created_at, p.open_incidents) for p in got] == [
        (p.pk, p.slug, p.tags, p.links, p.go_live, p.created_at, p.open_incidents) for p in want
    ]
    assert [p.open_incidents for p in got] == [1, 2, 3, 4]
    assert all(not p._state.adding and p._state.db == "default" for p in got)
    got[0].name = "Renamed"
    got[0].save(update_fields=["name"])  # a real model instance, saved like any other
    assert Product.objects.get(pk=ids[0]).name == "Renamed"


@pytest.mark.django_db
def test_mistakes_are_named(portfolio):
    with pytest.raises(TypeError, match="needs before"):
        INCIDENTS.rows(ids=[portfolio[0].pk])
    typo = PreparedQuery(lambda p: _incidents(p.ids, p.bfore), before=DateTimeField())
    with pytest.raises(AttributeError, match="no parameter 'bfore'"):
        typo.rows(ids=[portfolio[0].pk], before=NOW)
    joined = PreparedQuery(
        lambda p: Incident.objects.filter(product_id__in_ids=p.ids).select_related("product")
    )
    with pytest.raises(ValueError, match="select_related"):
        joined.rows(ids=[portfolio[0].pk])


@pytest.mark.django_db
def test_the_active_time_zone_is_part_of_the_shape(portfolio):
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    def days(p: Any) -> Any:
        return (
            Incident.objects.filter(product_id__in_ids=p.ids)
            .annotate(day=TruncDate("opened_at"))
            .order_by("day", "id")
            .values_list("day", flat=True)
        )

    query = PreparedQuery(days)
    ids = [p.pk for p in portfolio]
    with timezone.override("UTC"):
        utc = query.rows(ids=ids)
        assert utc == list(days(type("P", (), {"ids": ids})))
    with timezone.override("Pacific/Kiritimati"):  # UTC+14: 12:00 UTC is the next day
        kiritimati = query.rows(ids=ids)
        assert kiritimati == list(days(type("P", (), {"ids": ids})))
    assert kiritimati != utc
