"""`prodops dora` and the DORA facts, from events stored through the ingestion service."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from django.core.management import CommandError, call_command

from prodops.core.facts import compute as compute_facts
from prodops.events import services
from prodops.events.records import Record


def t(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


@pytest.fixture
def history(make_product, actor):
    product = make_product("payments-api")
    make_product("quiet-service")
    rows = [
        Record("deployment", "prodops", "d1", {"deployed_at": t(2, 12), "sha": "a2"}, product="payments-api"),
        Record(
            "deployment",
            "prodops",
            "d2",
            {"deployed_at": t(5, 12), "sha": "b1", "status": "failure"},
            product="payments-api",
        ),
        Record(
            "deployment",
            "prodops",
            "d3",
            {"deployed_at": t(5, 18), "sha": "b1", "rework": True},
            product="payments-api",
        ),
        Record(
            "change",
            "prodops",
            "a2",
            {"sha": "a2", "committed_at": t(2, 6), "push_sha": "a2"},
            product="payments-api",
        ),
        Record(
            "change",
            "prodops",
            "b1",
            {"sha": "b1", "committed_at": t(5, 6), "push_sha": "b1"},
            product="payments-api",
        ),
    ]
    services.ingest(records=list(enumerate(rows, 1)), actor=actor)
    return product


@pytest.mark.django_db
def test_dora_json_for_one_product(history, capsys):
    call_command("dora", "payments-api", as_of="2026-01-14", window="14d", format="json")
    data = json.loads(capsys.readouterr().out)
    assert data["product"] == "payments-api"
    assert data["deployments"] == 2
    assert data["deployment_frequency"]["per_week"] == 1.0  # 2 successes in 2 weeks
    assert data["lead_time_for_changes"]["median_hours"] == 9.0  # 6 h and 12 h
    assert data["change_failure_rate"]["value"] == pytest.approx(1 / 3, abs=1e-4)
    assert data["time_to_restore"]["median_hours"] == 6.0
    assert data["rework_rate"]["value"] == pytest.approx(1 / 3, abs=1e-4)
    assert data["linkage"] == "default"


@pytest.mark.django_db
def test_dora_all_prints_a_readable_table(history, capsys):
    call_command("dora", all=True, as_of="2026-01-14", window="14d", linkage="fourkeys", bands="2024")
    out = capsys.readouterr().out
    assert "linkage: fourkeys, bands: 2024 report" in out
    lines = out.splitlines()
    row = next(line for line in lines if line.startswith("payments-api"))
    # One deploy a week is nearer the 2024 report's medium value (between weekly and
    # monthly: 0.48/week) than its high one (between daily and weekly: 2.6/week) on a log scale.
    assert "1.00 medium" in row  # deploys/week, banded
    quiet = next(line for line in lines if line.startswith("quiet-service"))
    assert "n/a" in quiet and " 0.0 " not in quiet
    assert any(line.startswith("portfolio (median product)") for line in lines)
    # The sum is its own line, labelled as a sum, never in the median row.
    assert any(line.startswith("Successful deployments, all products together (sum):") for line in lines)


@pytest.mark.django_db
def test_dora_input_errors_exit_2(history):
    for kwargs in ({"window": "ninety"}, {"as_of": "14/01/2026"}):
        with pytest.raises(CommandError) as error:
            call_command("dora", "payments-api", **kwargs)
        assert error.value.returncode == 2
    with pytest.raises(CommandError, match="no product"):
        call_command("dora", "nope")


@pytest.mark.django_db
def test_facts(history, actor):
    services.ingest(
        records=list(
            enumerate(
                [
                    Record(
                        "incident",
                        "prodops",
                        "i1",
                        {"opened_at": t(6), "severity": 1},
                        product="payments-api",
                    ),
                    Record(
                        "incident",
                        "prodops",
                        "i2",
                        {"opened_at": t(6), "severity": 2, "resolved_at": t(7)},
                        product="payments-api",
                    ),
                    Record(
                        "defect",
                        "prodops",
                        "b1",
                        {"found_at": t(6), "severity": "critical"},
                        product="payments-api",
                    ),
                    Record(
                        "defect",
                        "prodops",
                        "b2",
                        {"found_at": t(6), "severity": "low"},
                        product="payments-api",
                    ),
                    Record("ticket", "prodops", "t1", {"opened_at": t(10)}, product="payments-api"),
                    Record("page", "prodops", "p1", {"triggered_at": t(10)}, product="payments-api"),
                ],
                1,
            )
        ),
        actor=actor,
    )
    facts = compute_facts([history.id], datetime(2026, 1, 14, tzinfo=UTC))[history.id]
    assert facts["incidents.open_sev1"] == 1
    assert facts["incidents.open_sev2"] == 0
    assert facts["defects.open_by_severity"] == {"critical": 1, "high": 0, "medium": 0, "low": 1}
    assert facts["defects.open_critical"] == 1
    assert facts["tickets.per_week"] == 0.25  # 1 ticket in 4 weeks
    assert facts["oncall.pages_per_shift"] == pytest.approx(1 / 56, abs=1e-3)  # 1 page in 56 shifts
    assert facts["dora.deployment_frequency"] == pytest.approx(2 / (90 / 7), abs=1e-3)
    assert facts["dora.lead_time_hours"] == 9.0
    assert facts["dora.band.lead_time"] == "elite"


@pytest.mark.django_db
def test_facts_without_data_are_unknown_not_zero(make_product):
    product = make_product("new-thing")
    facts = compute_facts([product.id], datetime(2026, 1, 14, tzinfo=UTC))[product.id]
    assert "dora.lead_time_hours" not in facts
    assert "tickets.per_week" not in facts
    assert "oncall.pages_per_shift" not in facts
    assert facts["incidents.open_sev1"] == 0


def test_as_of_is_the_end_of_that_day():
    from prodops.metrics.services import parse_window, window_end

    assert window_end(date(2026, 1, 14)) == datetime(2026, 1, 15, tzinfo=UTC)
    assert parse_window("90d") == 90 and parse_window("12w") == 84


@pytest.mark.django_db
def test_dora_api(history, client, django_user_model):
    client.force_login(django_user_model.objects.create_user("viewer", "v@example.com", "pw"))
    data = client.get("/api/v1/products/payments-api/dora?as_of=2026-01-14&window=14d").json()
    assert data["lead_time_for_changes"]["median_hours"] == 9.0
    portfolio = client.get("/api/v1/dora?as_of=2026-01-14&window=14d&linkage=fourkeys").json()
    assert set(portfolio["products"]) == {"payments-api", "quiet-service"}
    assert portfolio["portfolio"]["deployment_frequency"]["products"] == 1
    response = client.get("/api/v1/dora?window=soon")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "window"]
    assert client.get("/api/v1/products/nope/dora").status_code == 404


@pytest.mark.django_db
def test_changes_from_before_the_window_count_when_deployed_in_it(make_product, actor, capsys):
    make_product("ledger")
    rows = [
        Record(
            "deployment",
            "prodops",
            "old",
            {"deployed_at": datetime(2025, 12, 20, tzinfo=UTC)},
            product="ledger",
        ),
        Record(
            "change",
            "prodops",
            "c-old",
            {"sha": "c-old", "committed_at": datetime(2025, 12, 19, tzinfo=UTC)},
            product="ledger",
        ),
        # Committed after the last deployment before the window, shipped in the window: 72 h.
        Record(
            "change",
            "prodops",
            "c-mid",
            {"sha": "c-mid", "committed_at": datetime(2025, 12, 30, tzinfo=UTC)},
            product="ledger",
        ),
        Record("deployment", "prodops", "new", {"deployed_at": t(2)}, product="ledger"),
    ]
    services.ingest(records=list(enumerate(rows, 1)), actor=actor)
    call_command("dora", "ledger", as_of="2026-01-14", window="14d", format="json")
    data = json.loads(capsys.readouterr().out)
    assert data["lead_time_for_changes"]["median_hours"] == 72.0
    assert data["lead_time_for_changes"]["changes"] == 1


def test_portfolio_rows_compute_what_they_say(db):
    from prodops.metrics.services import portfolio

    def result(deploys: int, per_week: float | None) -> dict:
        empty = {"value": None, "median_hours": None, "band": None}
        return {
            "deployments": deploys,
            "deployment_frequency": {"per_week": per_week},
            "lead_time_for_changes": dict(empty),
            "change_failure_rate": dict(empty),
            "time_to_restore": dict(empty),
            "rework_rate": dict(empty),
        }

    summary = portfolio([result(300, 10.0), result(40, 2.0), result(9, None)], bands="2023")
    assert summary["deployments"] == 40  # the median product, as the row is labelled
    assert summary["deployments_total"] == 349  # the sum, labelled as a sum
    assert summary["aggregates"]["deployments_total"].startswith("sum")
    assert summary["deployment_frequency"]["per_week"] == 6.0  # median of the two with a value
    assert summary["deployment_frequency"]["products"] == 2
    assert "convention" in summary["band_basis"]
