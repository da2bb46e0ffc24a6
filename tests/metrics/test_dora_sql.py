"""The default-linkage DORA counts computed in PostgreSQL (prodops.metrics.sql) agree
with the pure reference module (prodops.metrics.dora) on the same small fixed history,
including its edge cases; on SQLite only the pure module runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from prodops.catalog.models import Product
from prodops.events.models import Change, Deployment, Incident
from prodops.metrics import services, sql

END = datetime(2026, 3, 31, 23, 59, tzinfo=UTC)


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 3, 1, tzinfo=UTC) + timedelta(days=day - 1, hours=hour, minutes=minute)


@pytest.fixture
def portfolio(make_product):
    counter = iter(range(1000))

    def deploy(product, when, *, status="success", environment="production", rework=False, sha=""):
        Deployment.objects.create(
            product=product,
            external_id=f"d{next(counter)}",
            deployed_at=when,
            status=status,
            environment=environment,
            rework=rework,
            sha=sha,
        )

    def change(product, sha, when):
        Change.objects.create(product=product, external_id=f"c{next(counter)}", sha=sha, committed_at=when)

    busy = make_product("busy")
    # Before the window: the last success before it hides older changes.
    deploy(busy, datetime(2026, 2, 20, tzinfo=UTC))
    change(busy, "old", datetime(2026, 2, 19, tzinfo=UTC))
    change(busy, "carried", datetime(2026, 2, 25, tzinfo=UTC))  # shipped on day 2
    deploy(busy, at(2, 10))
    change(busy, "same-instant", at(3, 9))
    deploy(busy, at(3, 9))  # a deployment at the commit's instant ships it
    change(busy, "dup", at(4, 8))
    change(busy, "dup", at(4, 6))  # the same SHA twice: the earliest commit counts
    deploy(busy, at(5, 12), status="failure", rework=True)
    deploy(busy, at(5, 12))  # a success at the failure's instant is not "after" it
    deploy(busy, at(6, 7, 30))  # restores the day-5 failure: 19.5 h
    change(busy, "staging-only", at(7))
    deploy(busy, at(7, 1), environment="staging")  # not production: ships nothing
    deploy(busy, at(8), status="failure")
    deploy(busy, at(9, 3))  # restores it: 27 h
    deploy(busy, at(20), status="failure")  # never restored
    change(busy, "unshipped", at(25))

    failing = make_product("failing")
    deploy(failing, at(3), status="failure")
    change(failing, "waiting", at(2))

    blamed = make_product("blamed")  # an incident names a root cause: the pure module runs
    change(blamed, "abc123", at(10))
    deploy(blamed, at(11), sha="abc123")
    deploy(blamed, at(12))
    Incident.objects.create(
        product=blamed,
        external_id="i1",
        severity=2,
        opened_at=at(11, 5),
        resolved_at=at(11, 9),
        root_cause_sha="abc1",
    )

    only_changes = make_product("only-changes")
    change(only_changes, "x", at(15))
    make_product("quiet")
    return [busy, failing, blamed, only_changes]


@pytest.mark.django_db
@pytest.mark.parametrize("bands", ["2023", "2024"])
def test_database_path_agrees_with_pure_module(portfolio, bands):
    ids = sorted(Product.objects.values_list("id", flat=True))  # "quiet" has no events at all
    reference = services.dora_for_products(product_ids=ids, end=END, window_days=30, bands=bands, pure=True)
    answer = services.dora_for_products(product_ids=ids, end=END, window_days=30, bands=bands)
    assert answer == reference
    # Asked for every product, both report the same products.
    everything = services.dora_for_products(product_ids=None, end=END, window_days=30, bands=bands)
    assert everything == services.dora_for_products(
        product_ids=None, end=END, window_days=30, bands=bands, pure=True
    )
    assert sorted(everything) == sorted(p.id for p in portfolio)


@pytest.mark.django_db
def test_hand_computed_values(portfolio):
    busy = services.dora_for_products(product_ids=[portfolio[0].id], end=END, window_days=30)[portfolio[0].id]
    # carried (Feb 25 → Mar 2 10:00 = 130 h), same-instant (0 h), dup (day 4 06:00 → day 5
    # 12:00 = 30 h), staging-only (day 7 → day 9 03:00, day 8 failed = 51 h): median 40.5 h.
    assert busy["lead_time_for_changes"]["median_hours"] == 40.5
    assert busy["lead_time_for_changes"]["changes"] == 4
    # 8 production deployments in the window, 3 failed; restored after 19.5 h and 27 h.
    assert busy["deployments"] == 5
    assert busy["change_failure_rate"]["value"] == 0.375
    assert busy["time_to_restore"]["median_hours"] == 23.25
    assert busy["time_to_restore"]["unrestored"] == 1
    assert busy["rework_rate"]["value"] == 0.125


@pytest.mark.django_db
def test_which_path_runs_on_which_database(portfolio):
    assert sql.supported() is (connection.vendor == "postgresql")
    if connection.vendor == "postgresql":
        blamed = portfolio[2]
        ids = [p.id for p in portfolio]
        start = END - timedelta(days=30)
        pure, _ = sql.default_linkage(
            ids, start=start, end=END, since=start - timedelta(days=30), environment="production"
        )
        assert pure == {blamed.id}


@pytest.mark.django_db
def test_each_product_alone_agrees_with_the_batch_in_two_statements(portfolio):
    """Re-evaluating one product: PostgreSQL gets the planner settings with the
    root-cause check, then the counts (a product left to the pure module has its events
    read instead)."""
    from django.test.utils import CaptureQueriesContext

    ids = sorted(Product.objects.values_list("id", flat=True))
    reference = services.dora_for_products(product_ids=ids, end=END, window_days=30, pure=True)
    for pid in ids:
        with CaptureQueriesContext(connection) as queries:
            alone = services.dora_for_products(product_ids=[pid], end=END, window_days=30)
        assert alone == {pid: reference[pid]}
        if connection.vendor == "postgresql":
            sent = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
            assert "set_config" in sent[0] and "events_incident" in sent[0]
            if pid != portfolio[2].id:
                assert len(sent) == 2, sent
    assert services.dora_for_products(product_ids=[], end=END, window_days=30) == {}
