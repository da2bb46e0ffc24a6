"""DORA metrics against values computed by hand on a small fixed history, in both
linkage modes, and the performance-band edges on both sides.

Band references: Accelerate State of DevOps Report 2023, "How do you compare?" (elite:
on demand, lead time < 1 day, 5 %, recovery < 1 hour; high: daily-weekly, 1 day-1 week,
10 %, < 1 day; medium: weekly-monthly, 1 week-1 month, 15 %, 1 day-1 week; low: 64 %,
1-6 months) and Accelerate State of DevOps Report 2024 (elite 5 %, high 20 %, medium
10 %, low 40 %; recovery < 1 hour, < 1 day, < 1 day, 1 week-1 month). Four Keys
reference: dora-team/fourkeys queries/*.sql and dashboard/fourkeys_dashboard.json.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from prodops.metrics.dora import PER_WEEK_MONTHLY, Commit, Deploy, Outage, band, compute


def t(
    day: int, hour: int = 0, minute: int = 0, second: int = 0, *, month: int = 1, year: int = 2026
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


START, END = t(1), t(15)  # two weeks

DEPLOYS = [
    Deploy(t(30, 12, month=12, year=2025), "success", "a0", key="D0"),  # before the window
    Deploy(t(2, 12), "success", "a2", key="D1"),
    Deploy(t(3, 9), "success", "s9", environment="staging", key="S1"),  # not production
    Deploy(t(5, 12), "failure", "b1", key="D2"),
    Deploy(t(5, 18), "success", "b1", rework=True, key="D3"),
    Deploy(t(9, 12), "success", "c0", key="D4"),
]
CHANGES = [
    Commit("z0", t(29, month=12, year=2025), push_sha="a0"),
    Commit("a1", t(31, 12, month=12, year=2025), push_sha="a2"),  # → D1: 48 h
    Commit("a2", t(2, 6), push_sha="a2"),  # → D1: 6 h
    Commit("b1", t(5, 6), push_sha="b1"),  # → D3 (D2 failed): 12 h
    Commit("c1", t(8, 12), push_sha="c0"),  # → D4: 24 h
    Commit("c0", t(9, 11, 59, 30), push_sha="c0"),  # → D4: 30 s (Four Keys: 0 whole minutes, dropped)
    Commit("d1", t(14), push_sha="d1"),  # not deployed yet
]
INCIDENTS = [
    Outage(t(9, 14), t(9, 20), root_cause_sha="c1", key="I1"),
    Outage(t(10, 8), None, root_cause_sha="c1", key="I2"),  # still open
    Outage(t(12, 0), t(12, 1, 30), key="I3"),  # no root cause
]


def test_default_linkage_by_hand():
    result = compute(DEPLOYS, CHANGES, INCIDENTS, start=START, end=END)
    # D1, D3, D4 succeeded in the window: 3 / 2 weeks.
    assert result["deployment_frequency"]["per_week"] == 1.5
    assert result["deployment_frequency"]["band"] == "high"
    # Lead times 48, 6, 12, 24 and 1/120 hours: the median is 12.
    assert result["lead_time_for_changes"]["median_hours"] == 12.0
    assert result["lead_time_for_changes"]["changes"] == 5
    assert result["lead_time_for_changes"]["band"] == "elite"
    # D2 failed, D4 caused I1 and I2: 2 of the 4 production deployments.
    assert result["change_failure_rate"]["value"] == 0.5
    assert result["change_failure_rate"]["band"] == "low"
    # D2 restored by D3 after 6 h; D4 not restored (I2 is open).
    assert result["time_to_restore"]["median_hours"] == 6.0
    assert result["time_to_restore"]["unrestored"] == 1
    assert result["time_to_restore"]["band"] == "high"
    assert result["rework_rate"]["value"] == 0.25
    assert result["rework_rate"]["band"] is None
    assert result["deployments"] == 3
    assert result["linkage"] == "default"


def test_default_linkage_recovery_uses_incident_resolution():
    resolved = [Outage(t(9, 14), t(9, 20), root_cause_sha="c1")]
    result = compute(DEPLOYS, CHANGES, resolved, start=START, end=END)
    # D2: 6 h (next success); D4: 8 h (I1 resolved at 20:00): median 7 h.
    assert result["time_to_restore"]["median_hours"] == 7.0
    assert result["time_to_restore"]["unrestored"] == 0


def test_fourkeys_linkage_by_hand():
    result = compute(DEPLOYS, CHANGES, INCIDENTS, start=START, end=END, linkage="fourkeys")
    # Successful deployments with a push: D1, D3, D4 (S1 has no push and drops out).
    assert result["deployments"] == 3
    assert result["deployment_frequency"]["per_week"] == 1.5
    # Weeks (Sunday first) Dec 28 (deployed on 1 day), Jan 4 (2 days), Jan 11 (none).
    assert result["deployment_frequency"]["fourkeys_bucket"] == "Weekly"
    # Pairs in whole minutes 2880, 360, 720, 1440 (c0's 0 is dropped): median 1080 = 18 h.
    assert result["lead_time_for_changes"]["median_hours"] == 18.0
    assert result["lead_time_for_changes"]["pairs"] == 4
    assert result["lead_time_for_changes"]["fourkeys_bucket"] == "One day"
    # Two incidents name c1, shipped by D4: Four Keys counts 2 rows over 3 deployments.
    assert result["change_failure_rate"]["value"] == pytest.approx(0.6667, abs=1e-4)
    assert result["failed_deployments"] == 1
    # I1 created at D4 (12:00, before the issue), resolved 20:00: 8 h; I3: 1.5 h → 1 whole hour.
    assert result["time_to_restore"]["median_hours"] == 4.5
    assert result["time_to_restore"]["fourkeys_bucket"] == "One day"
    assert result["rework_rate"]["value"] is None


@pytest.mark.parametrize("linkage", ["default", "fourkeys"])
def test_no_data_is_null_with_a_reason(linkage):
    result = compute([], [], [], start=START, end=END, linkage=linkage)
    for metric, value_key in [
        ("deployment_frequency", "per_week"),
        ("lead_time_for_changes", "median_hours"),
        ("change_failure_rate", "value"),
        ("time_to_restore", "median_hours"),
        ("rework_rate", "value"),
    ]:
        assert result[metric][value_key] is None, metric
        assert result[metric]["band"] is None
        assert result[metric]["reason"]


def test_no_failures_means_no_recovery_time_not_zero():
    result = compute([Deploy(t(2), "success", "x")], [Commit("x", t(1, 12))], [], start=START, end=END)
    assert result["change_failure_rate"]["value"] == 0.0
    assert result["time_to_restore"]["median_hours"] is None
    assert result["time_to_restore"]["reason"] == "no failed deployments in the window"


EDGES = [
    # (bands, metric, value, level) - each edge from both sides
    ("2023", "deployment_frequency", 7.0001, "elite"),
    ("2023", "deployment_frequency", 7.0, "high"),
    ("2023", "deployment_frequency", 1.0, "high"),
    ("2023", "deployment_frequency", 0.9999, "medium"),
    ("2023", "deployment_frequency", PER_WEEK_MONTHLY, "medium"),
    ("2023", "deployment_frequency", PER_WEEK_MONTHLY - 1e-6, "low"),
    ("2023", "lead_time_hours", 23.999, "elite"),
    ("2023", "lead_time_hours", 24.0, "high"),
    ("2023", "lead_time_hours", 168.0, "high"),
    ("2023", "lead_time_hours", 168.001, "medium"),
    ("2023", "lead_time_hours", 730.5, "medium"),
    ("2023", "lead_time_hours", 730.501, "low"),
    ("2023", "change_failure_rate", 0.05, "elite"),
    ("2023", "change_failure_rate", 0.0501, "high"),
    ("2023", "change_failure_rate", 0.10, "high"),
    ("2023", "change_failure_rate", 0.1001, "medium"),
    ("2023", "change_failure_rate", 0.15, "medium"),
    ("2023", "change_failure_rate", 0.1501, "low"),
    ("2023", "recovery_hours", 0.999, "elite"),
    ("2023", "recovery_hours", 1.0, "high"),
    ("2023", "recovery_hours", 23.999, "high"),
    ("2023", "recovery_hours", 24.0, "medium"),
    ("2023", "recovery_hours", 168.0, "medium"),
    ("2023", "recovery_hours", 168.001, "low"),
]


@pytest.mark.parametrize(("bands", "metric", "value", "level"), EDGES)
def test_band_edges(bands, metric, value, level):
    assert band(bands, metric, value) == level


# 2024: the nearest published cluster value on a log scale. Hand-computed midpoints
# (lead time log10): elite 12 h -> 1.079, high sqrt(24*168) = 63.5 h -> 1.803, medium
# sqrt(168*730.5) = 350.3 h -> 2.544, low sqrt(730.5*4383) = 1789 h -> 3.253. The
# boundary between high and medium is their geometric mean, 10**((1.803+2.544)/2) = 149 h.
NEAREST_2024 = [
    ("lead_time_hours", 20.0, "elite"),  # log 1.301: 0.222 from elite, 0.502 from high
    ("lead_time_hours", 30.0, "high"),  # log 1.477: 0.398 from elite, 0.326 from high
    ("lead_time_hours", 148.0, "high"),
    ("lead_time_hours", 150.0, "medium"),
    ("lead_time_hours", 5000.0, "low"),
    # Change failure rate: 5%, 20% (high), 10% (medium), 40% (low): 12% is nearest medium's
    # 10% (log distance 0.079 vs 0.222), 16% nearest high's 20% (0.097 vs 0.204).
    ("change_failure_rate", 0.12, "medium"),
    ("change_failure_rate", 0.16, "high"),
    ("change_failure_rate", 0.0, "elite"),
    ("change_failure_rate", 0.9, "low"),
    # Recovery: high and medium share "less than one day" (12 h): ties go to the better.
    ("recovery_hours", 10.0, "high"),
    ("recovery_hours", 0.2, "elite"),
]


@pytest.mark.parametrize(("metric", "value", "level"), NEAREST_2024)
def test_2024_bands_are_the_nearest_published_cluster_value(metric, value, level):
    import math

    from prodops.metrics.dora import PUBLISHED

    assert band("2024", metric, value) == level
    # Cross-check against the table directly: no cluster is strictly nearer.
    dist = {
        name: abs(math.log10(max(value, 0.005)) - math.log10(v[metric][1]))
        for name, v in PUBLISHED["2024"].items()
    }
    assert dist[level] == min(dist.values())


def test_2024_profile_is_the_nearest_cluster_over_all_metrics():
    from prodops.metrics.dora import profile

    # A team deploying daily (7/week) with a 2-day lead time, 20% failures and 6 h recovery
    # is the report's "high" profile even though its failure rate alone ties nowhere.
    prof = profile(
        "2024",
        {
            "deployment_frequency": 7.0,
            "lead_time_hours": 48.0,
            "change_failure_rate": 0.2,
            "recovery_hours": 6.0,
        },
    )
    assert prof["cluster"] == "high" and prof["metrics"] == 4
    assert profile("2024", {"deployment_frequency": None})["cluster"] is None


def test_bands_are_selectable():
    result = compute(DEPLOYS, CHANGES, INCIDENTS, start=START, end=END, bands="2024")
    assert result["bands"] == "2024"
    with pytest.raises(ValueError, match="bands"):
        compute([], [], [], start=START, end=END, bands="2019")
