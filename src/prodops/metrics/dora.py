"""The DORA software-delivery metrics, as plain functions over plain data (no Django).

Two linkage modes say which changes a deployment shipped and which deployments failed:

``default`` (the DORA meaning: commit → running in production)
    Only deployments to the production environment count. A change is attributed to
    the *first successful production deployment of the same product at or after its
    commit time*. "Includes" is defined by time ordering: a deployment ships every
    change of its product committed at or before it (the deployed branch is taken to
    be linear), so the first successful production deployment at/after a commit is the
    one that brought it to production. A change deduplicated by SHA keeps its earliest
    commit time.

    * deployment frequency: successful production deployments in the window ÷ weeks in
      the window;
    * lead time for changes: median of (deployment time - commit time) over the
      changes whose attributed deployment falls in the window;
    * change failure rate: failed deployments ÷ deployments in the window (the DORA
      definition). A deployment failed if its status is ``failure`` or it caused an
      incident (the incident's ``root_cause_sha`` is a change attributed to it, or
      its own SHA);
    * failed deployment recovery time: for each failed deployment in the window, the
      time until it was restored (the latest resolution of the incidents it caused, or
      else the next successful production deployment), median; failures not restored
      by the end of the window are counted but left out of the median;
    * rework rate (DORA 2024): deployments flagged ``rework`` (unplanned, to fix a
      user-facing problem) ÷ deployments in the window.

``fourkeys`` (reproduces Google's Four Keys queries, dora-team/fourkeys ``queries/`` and
``dashboard/fourkeys_dashboard.json``)
    * deployments: successful deployments in any environment; a deployment's changes
      are the commits of the push whose head commit is the deployed SHA, plus the
      pushes named in ``additional_sha``. A deployment with no such push has no
      changes and, as in Four Keys' ``CROSS JOIN d.changes``, drops out entirely;
    * lead time: median (``PERCENTILE_CONT``) over (deployment x change) pairs of the
      whole minutes between commit and deployment, only values > 0;
    * change failure rate: (deployment, change, incident) rows where an incident's
      ``root cause: <sha>`` names one of the deployment's changes, ÷ distinct
      deployments — Four Keys counts rows, not deployments, so a deployment with two
      root-cause changes counts twice and the rate can exceed what DORA would report;
    * time to restore: median of whole hours from incident creation (or the earlier
      deployment of its root-cause change) to resolution, over incidents created in the
      window;
    * plus Four Keys' own buckets for deployment frequency (Daily / Weekly / Monthly /
      Yearly) and lead time (One day / One week / One month / Six months / One year).

Medians are the middle value, or the mean of the two middle values (= PERCENTILE_CONT
0.5). A metric with no data is ``None`` with a reason, never 0.

Performance bands: the cluster tables of the Accelerate State of DevOps reports 2023
("How do you compare?") and 2024 ("Software delivery performance"); see ``BANDS`` for
the edges ProdOps derives from them and docs/metrics.md for the derivation.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, NamedTuple

Linkage = Literal["default", "fourkeys"]
LEVELS = ("elite", "high", "medium", "low")
HOURS_PER_MONTH = 365.25 / 12 * 24  # 730.5
PER_WEEK_MONTHLY = 7 / (365.25 / 12)  # once a month, per week (0.22998)


class Deploy(NamedTuple):
    at: datetime
    status: str = "success"  # success | failure
    sha: str = ""
    environment: str = "production"
    rework: bool = False
    additional_shas: tuple[str, ...] = ()
    key: str = ""  # an id, to tell deployments apart


class Commit(NamedTuple):
    sha: str
    committed_at: datetime
    push_sha: str = ""


class Outage(NamedTuple):
    opened_at: datetime
    resolved_at: datetime | None = None
    root_cause_sha: str = ""
    key: str = ""


@dataclass(frozen=True)
class Band:
    """One metric's edges for one report. ``edges`` are (level, limit) from best to
    worst; a value gets the first level it satisfies, else ``low``."""

    direction: Literal["at_least", "above", "below", "at_most"]
    edges: tuple[tuple[str, float], ...]
    note: str = ""

    def level(self, value: float) -> str:
        for name, limit in self.edges:
            ok = {
                "at_least": value >= limit,
                "above": value > limit,
                "below": value < limit,
                "at_most": value <= limit,
            }[self.direction]
            if ok:
                return name
        return "low"


def _frequency_band(note: str) -> tuple[Band, Band]:
    # Elite "on demand (multiple deploys per day)": more than one a day. High "between
    # once per day and once per week"; medium "between once per week and once per month".
    return (
        Band("above", (("elite", 7.0),), note),
        Band("at_least", (("high", 1.0), ("medium", PER_WEEK_MONTHLY)), note),
    )


def frequency_level(bands: str, per_week: float) -> str:
    elite, rest = _frequency_band("")
    return "elite" if elite.level(per_week) == "elite" else rest.level(per_week)


BANDS: dict[str, dict[str, Band]] = {
    # Accelerate State of DevOps Report 2023, "How do you compare?":
    #   elite: on demand / lead time < 1 day / CFR 5% / recovery < 1 hour
    #   high: daily-weekly / 1 day-1 week / 10% / < 1 day
    #   medium: weekly-monthly / 1 week-1 month / 15% / 1 day-1 week
    #   low: weekly-monthly / 1 week-1 month / 64% / 1 month-6 months
    # Low's throughput ranges equal medium's, so throughput below medium's range is low.
    "2023": {
        "lead_time_hours": Band("below", (("elite", 24.0),)),
        "lead_time_hours_rest": Band("at_most", (("high", 168.0), ("medium", HOURS_PER_MONTH))),
        "change_failure_rate": Band("at_most", (("elite", 0.05), ("high", 0.10), ("medium", 0.15))),
        "recovery_hours": Band("below", (("elite", 1.0), ("high", 24.0))),
        "recovery_hours_rest": Band("at_most", (("medium", 168.0),)),
    },
    # Accelerate State of DevOps Report 2024, software delivery performance levels:
    #   elite: on demand / < 1 day / 5% / < 1 hour
    #   high: daily-weekly / 1 day-1 week / 20% / < 1 day
    #   medium: weekly-monthly / 1 week-1 month / 10% / < 1 day
    #   low: monthly-every six months / 1-6 months / 40% / 1 week-1 month
    # A rate gets the best level whose published rate it does not exceed, so medium
    # (10%, better than high's 20%) is never reached by the failure rate alone, and
    # medium's recovery time equals high's.
    "2024": {
        "lead_time_hours": Band("below", (("elite", 24.0),)),
        "lead_time_hours_rest": Band("at_most", (("high", 168.0), ("medium", HOURS_PER_MONTH))),
        "change_failure_rate": Band("at_most", (("elite", 0.05), ("high", 0.20))),
        "recovery_hours": Band("below", (("elite", 1.0), ("high", 24.0))),
        "recovery_hours_rest": Band("at_most", ()),
    },
}


# What each report publishes per cluster (its own words) and the representative value
# ProdOps places on that description, per metric (deployments per week; hours; a rate).
# The reports give typical values per cluster, not edges; a range is represented by its
# geometric midpoint and "less than X" by X/2: ProdOps's convention.
PUBLISHED: dict[str, dict[str, dict[str, tuple[str, float]]]] = {
    "2023": {
        "elite": {
            "deployment_frequency": ("on demand (multiple deploys per day)", 14.0),
            "lead_time_hours": ("less than one day", 12.0),
            "change_failure_rate": ("5%", 0.05),
            "recovery_hours": ("less than one hour", 0.5),
        },
        "high": {
            "deployment_frequency": ("between once per day and once per week", 7**0.5),
            "lead_time_hours": ("between one day and one week", (24 * 168) ** 0.5),
            "change_failure_rate": ("10%", 0.10),
            "recovery_hours": ("less than one day", 12.0),
        },
        "medium": {
            "deployment_frequency": ("between once per week and once per month", PER_WEEK_MONTHLY**0.5),
            "lead_time_hours": ("between one week and one month", (168 * HOURS_PER_MONTH) ** 0.5),
            "change_failure_rate": ("15%", 0.15),
            "recovery_hours": ("between one day and one week", (24 * 168) ** 0.5),
        },
        "low": {
            "deployment_frequency": ("between once per week and once per month", PER_WEEK_MONTHLY**0.5),
            "lead_time_hours": ("between one week and one month", (168 * HOURS_PER_MONTH) ** 0.5),
            "change_failure_rate": ("64%", 0.64),
            "recovery_hours": (
                "between one month and six months",
                (HOURS_PER_MONTH * 6 * HOURS_PER_MONTH) ** 0.5,
            ),
        },
    },
    "2024": {
        "elite": {
            "deployment_frequency": ("on demand (multiple deploys per day)", 14.0),
            "lead_time_hours": ("less than one day", 12.0),
            "change_failure_rate": ("5%", 0.05),
            "recovery_hours": ("less than one hour", 0.5),
        },
        "high": {
            "deployment_frequency": ("between once per day and once per week", 7**0.5),
            "lead_time_hours": ("between one day and one week", (24 * 168) ** 0.5),
            "change_failure_rate": ("20%", 0.20),
            "recovery_hours": ("less than one day", 12.0),
        },
        "medium": {
            "deployment_frequency": ("between once per week and once per month", PER_WEEK_MONTHLY**0.5),
            "lead_time_hours": ("between one week and one month", (168 * HOURS_PER_MONTH) ** 0.5),
            "change_failure_rate": ("10%", 0.10),
            "recovery_hours": ("less than one day", 12.0),
        },
        "low": {
            "deployment_frequency": (
                "between once per month and once every six months",
                (PER_WEEK_MONTHLY * PER_WEEK_MONTHLY / 6) ** 0.5,
            ),
            "lead_time_hours": (
                "between one month and six months",
                (HOURS_PER_MONTH * 6 * HOURS_PER_MONTH) ** 0.5,
            ),
            "change_failure_rate": ("40%", 0.40),
            "recovery_hours": ("between one week and one month", (168 * HOURS_PER_MONTH) ** 0.5),
        },
    },
}

BAND_BASIS = {
    "2023": (
        "ProdOps's convention: per-metric edges derived from the cluster table of the Accelerate "
        "State of DevOps Report 2023 (the report publishes typical values per cluster, not edges)"
    ),
    "2024": (
        "nearest cluster of the Accelerate State of DevOps Report 2024, on a log scale, to the "
        "report's published values (a range is placed at its geometric midpoint, 'less than X' "
        "at X/2: ProdOps's convention); the report assigns clusters by profile, not by edges"
    ),
}
# Floors so that a zero rate or frequency has a logarithm (0.5% failures, one a decade).
_LOG_FLOOR = {"change_failure_rate": 0.005, "deployment_frequency": 0.002}


def _log_distance(metric: str, value: float, typical: float) -> float:
    floor = _LOG_FLOOR.get(metric, 1e-3)
    return abs(math.log10(max(value, floor)) - math.log10(max(typical, floor)))


def nearest_cluster(bands: str, metric: str, value: float) -> str:
    """The cluster whose published value for this metric is nearest (log scale); ties go
    to the better cluster."""
    table = PUBLISHED[bands]
    return min(
        LEVELS,
        key=lambda level: (_log_distance(metric, value, table[level][metric][1]), LEVELS.index(level)),
    )


def profile(bands: str, values: dict[str, float | None]) -> dict[str, Any]:
    """The nearest cluster *profile*: the cluster minimising the summed squared log
    distances over the metrics that have a value (the report's clusters are profiles of
    all four metrics). None when no metric has a value."""
    known = {m: v for m, v in values.items() if v is not None and m in PUBLISHED[bands]["elite"]}
    if not known:
        return {"cluster": None, "reason": "no metric has a value", "metrics": 0}
    scores = {
        level: sum(_log_distance(m, v, PUBLISHED[bands][level][m][1]) ** 2 for m, v in known.items())
        for level in LEVELS
    }
    best = min(LEVELS, key=lambda level: (scores[level], LEVELS.index(level)))
    return {
        "cluster": best,
        "metrics": len(known),
        "distance": round(scores[best] ** 0.5, 4),
        "method": "nearest cluster profile (Euclidean distance of log10 values to the report's)",
    }


def band(bands: str, metric: str, value: float | None) -> str | None:
    """The performance level of a value (None for no value): for 2023 by ProdOps's
    edges derived from the report's table; for 2024 the cluster whose published value is
    nearest (see ``BAND_BASIS``)."""
    if value is None:
        return None
    if bands == "2024":
        return nearest_cluster(bands, metric, value)
    if metric == "deployment_frequency":
        return frequency_level(bands, value)
    table = BANDS[bands]
    first = table[metric].level(value)
    if first != "low" or f"{metric}_rest" not in table:
        return first
    return table[f"{metric}_rest"].level(value)


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600.0


def _null(reason: str, **extra: Any) -> dict[str, Any]:
    return {"band": None, "reason": reason, **extra}


@dataclass
class Window:
    start: datetime  # exclusive
    end: datetime  # inclusive

    def __contains__(self, at: datetime) -> bool:
        return self.start < at <= self.end

    @property
    def weeks(self) -> float:
        return (self.end - self.start).total_seconds() / (7 * 86400)


@dataclass
class _Attribution:
    """Default linkage: which successful production deployment shipped each change."""

    successes: list[Deploy]
    times: list[datetime] = field(init=False)

    def __post_init__(self) -> None:
        self.times = [d.at for d in self.successes]

    def first_at_or_after(self, at: datetime) -> Deploy | None:
        i = bisect.bisect_left(self.times, at)
        return self.successes[i] if i < len(self.successes) else None

    def first_after(self, at: datetime) -> Deploy | None:
        i = bisect.bisect_right(self.times, at)
        return self.successes[i] if i < len(self.successes) else None


def _dedupe_commits(changes: Iterable[Commit]) -> list[Commit]:
    earliest: dict[str, Commit] = {}
    for change in changes:
        known = earliest.get(change.sha)
        if known is None or change.committed_at < known.committed_at:
            earliest[change.sha] = change
    return list(earliest.values())


def compute(
    deployments: Iterable[Deploy],
    changes: Iterable[Commit],
    incidents: Iterable[Outage],
    *,
    start: datetime,
    end: datetime,
    linkage: Linkage = "default",
    bands: str = "2023",
    environment: str = "production",
) -> dict[str, Any]:
    """Every metric over the window (start, end], as a JSON-ready dict."""
    if bands not in BANDS:
        raise ValueError(f"bands must be one of {', '.join(BANDS)}")
    window = Window(start, end)
    if linkage == "fourkeys":
        result = _fourkeys(list(deployments), list(changes), list(incidents), window, bands)
    elif linkage == "default":
        result = _default(
            list(deployments), list(changes), list(incidents), window, bands=bands, environment=environment
        )
    else:
        raise ValueError("linkage must be default or fourkeys")
    return stamp(result, window, linkage=linkage, bands=bands)


_BANDED = {
    "deployment_frequency": ("deployment_frequency", "per_week"),
    "lead_time_hours": ("lead_time_for_changes", "median_hours"),
    "change_failure_rate": ("change_failure_rate", "value"),
    "recovery_hours": ("time_to_restore", "median_hours"),
}


def _metric_values(result: dict[str, Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for banded, (metric, key) in _BANDED.items():
        entry = result.get(metric)
        out[banded] = entry.get(key) if isinstance(entry, dict) else None
    return out


def stamp(result: dict[str, Any], window: Window, *, linkage: str, bands: str) -> dict[str, Any]:
    """Add the linkage, bands and window to an answer."""
    result["linkage"] = linkage
    result["bands"] = bands
    result["band_basis"] = BAND_BASIS[bands]
    if bands == "2024":
        result["profile"] = profile(bands, _metric_values(result))
    result["window"] = {
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "days": round(window.weeks * 7, 3),
    }
    return result


def _default(
    deployments: list[Deploy],
    changes: list[Commit],
    incidents: list[Outage],
    window: Window,
    *,
    bands: str,
    environment: str,
) -> dict[str, Any]:
    prod = sorted((d for d in deployments if d.environment == environment), key=lambda d: d.at)
    successes = [d for d in prod if d.status == "success"]
    attribution = _Attribution(successes)
    in_window = [d for d in prod if d.at in window]

    # Lead time for changes: each change → first successful deployment at/after its commit.
    deployed_by: dict[str, Deploy] = {}
    lead_times: list[float] = []
    for change in _dedupe_commits(changes):
        shipped = attribution.first_at_or_after(change.committed_at)
        if shipped is None:
            continue
        deployed_by[change.sha] = shipped
        if shipped.at in window:
            lead_times.append(_hours(shipped.at - change.committed_at))

    # Failed deployments: status failure, or an incident's root cause is in them.
    caused: dict[str, list[Outage]] = defaultdict(list)  # deployment key → incidents it caused
    by_sha: dict[str, Deploy] = {}
    for d in successes:
        by_sha.setdefault(d.sha, d)
    for incident in incidents:
        sha = incident.root_cause_sha
        if not sha:
            continue
        culprit = deployed_by.get(sha) or by_sha.get(sha)
        if culprit is None:
            # A short SHA: match it as a prefix, as git does.
            culprit = next((d for s, d in deployed_by.items() if s.startswith(sha)), None)
        if culprit is not None:
            caused[_key(culprit)].append(incident)
    failed = [d for d in in_window if d.status == "failure" or _key(d) in caused]
    recoveries: list[float] = []
    unrestored = 0
    for d in failed:
        linked = caused.get(_key(d), [])
        restored: datetime | None
        if linked:
            ends = [i.resolved_at for i in linked]
            restored = None if any(e is None for e in ends) else max(e for e in ends if e is not None)
        else:
            following = attribution.first_after(d.at)
            restored = following.at if following is not None else None
        if restored is None or restored > window.end:
            unrestored += 1
            continue
        recoveries.append(_hours(restored - d.at))
    return default_result(
        DefaultCounts(
            deployments=len(in_window),
            successes=sum(1 for d in in_window if d.status == "success"),
            failed=len(failed),
            rework=sum(1 for d in in_window if d.rework),
            lead_median_hours=median(lead_times),
            lead_changes=len(lead_times),
            recovery_median_hours=median(recoveries),
            restored=len(recoveries),
            unrestored=unrestored,
        ),
        window,
        bands=bands,
        environment=environment,
    )


@dataclass(frozen=True)
class DefaultCounts:
    """What the default linkage's metrics are made of, for one product's window. The pure
    ``_default`` computes them from events; a database may compute them itself (see
    ``prodops.metrics.sql``) and hand them to ``default_result`` for the same answer."""

    deployments: int  # production deployments in the window, any status
    successes: int  # successful ones
    failed: int  # failed ones (status failure or caused an incident)
    rework: int  # flagged rework
    lead_median_hours: float | None
    lead_changes: int
    recovery_median_hours: float | None
    restored: int
    unrestored: int


def default_result(counts: DefaultCounts, window: Window, *, bands: str, environment: str) -> dict[str, Any]:
    """The default linkage's answer from its counts and medians."""
    result: dict[str, Any] = {"deployments": counts.successes, "failed_deployments": counts.failed}
    none_reason = f"no {environment} deployments in the window"
    if not counts.deployments:
        result["deployment_frequency"] = _null(
            none_reason, per_week=None, method="successful deployments per week"
        )
    else:
        per_week = counts.successes / window.weeks
        result["deployment_frequency"] = {
            "per_week": round(per_week, 4),
            "band": band(bands, "deployment_frequency", per_week),
            "method": f"successful {environment} deployments in the window ÷ weeks in the window",
        }

    lead = counts.lead_median_hours
    method = "median hours from commit to the first successful production deployment at or after it"
    if lead is None:
        result["lead_time_for_changes"] = _null(
            "no changes reached production in the window", median_hours=None, changes=0, method=method
        )
    else:
        result["lead_time_for_changes"] = {
            "median_hours": round(lead, 4),
            "changes": counts.lead_changes,
            "band": band(bands, "lead_time_hours", lead),
            "method": method,
        }

    cfr_method = "failed production deployments ÷ production deployments in the window"
    if not counts.deployments:
        result["change_failure_rate"] = _null(none_reason, value=None, method=cfr_method)
    else:
        rate = counts.failed / counts.deployments
        result["change_failure_rate"] = {
            "value": round(rate, 4),
            "failed": counts.failed,
            "deployments": counts.deployments,
            "band": band(bands, "change_failure_rate", rate),
            "method": cfr_method,
        }
    recovery = counts.recovery_median_hours
    ttr_method = (
        "median hours from a failed production deployment to its restoration (resolution of the "
        "incidents it caused, else the next successful deployment)"
    )
    if recovery is None:
        reason = (
            "no failed deployments in the window"
            if not counts.failed
            else "no failed deployment was restored yet"
        )
        result["time_to_restore"] = _null(
            reason, median_hours=None, unrestored=counts.unrestored, method=ttr_method
        )
    else:
        result["time_to_restore"] = {
            "median_hours": round(recovery, 4),
            "restored": counts.restored,
            "unrestored": counts.unrestored,
            "band": band(bands, "recovery_hours", recovery),
            "method": ttr_method,
        }

    # Rework rate (DORA 2024): no published band.
    rework_method = "deployments flagged rework (unplanned, to fix a user-facing problem) ÷ deployments"
    if not counts.deployments:
        result["rework_rate"] = _null(none_reason, value=None, method=rework_method)
    else:
        result["rework_rate"] = {
            "value": round(counts.rework / counts.deployments, 4),
            "band": None,
            "reason": "the DORA reports publish no performance levels for rework rate",
            "method": rework_method,
        }
    return result


def _key(deploy: Deploy) -> str:
    return deploy.key or f"{deploy.at.isoformat()}/{deploy.sha}"


# --- Four Keys --------------------------------------------------------------------------


def _whole(delta: timedelta, unit_seconds: int) -> int:
    """BigQuery TIMESTAMP_DIFF: whole units, truncated toward zero."""
    seconds = delta.total_seconds()
    return int(seconds / unit_seconds)


def _week_start(day: date) -> date:
    """BigQuery TIMESTAMP_TRUNC(..., WEEK): weeks start on Sunday."""
    return day - timedelta(days=(day.weekday() + 1) % 7)


def fourkeys_frequency_bucket(deploy_days: set[date], start: date, end: date) -> str:
    """The Four Keys dashboard's "Deployment Frequency" stat: Daily if the median week
    has deployments on 3 or more days, Weekly if most weeks have one, Monthly if the
    median week's month has one, else Yearly."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    weeks: dict[date, list[date]] = defaultdict(list)
    for day in days:
        weeks[_week_start(day)].append(day)
    rows = []
    for week, members in sorted(weeks.items()):
        deployed = [d for d in members if d in deploy_days]
        rows.append((week, 1 if deployed else 0, len(deployed)))
    if not rows:
        return "Yearly"
    monthly: dict[tuple[int, int], int] = defaultdict(int)
    for week, flag, _ in rows:
        monthly[(week.year, week.month)] += flag
    if statistics.median(r[2] for r in rows) >= 3:
        return "Daily"
    if statistics.median(r[1] for r in rows) >= 1:
        return "Weekly"
    if statistics.median(monthly[(r[0].year, r[0].month)] for r in rows) >= 1:
        return "Monthly"
    return "Yearly"


def fourkeys_duration_bucket(hours: float) -> str:
    """The Four Keys dashboard's lead-time / time-to-restore buckets."""
    for limit, name in ((24, "One day"), (168, "One week"), (730, "One month"), (730 * 6, "Six months")):
        if hours < limit:
            return name
    return "One year"


def _fourkeys(
    deployments: list[Deploy], changes: list[Commit], incidents: list[Outage], window: Window, bands: str
) -> dict[str, Any]:
    pushes: dict[str, dict[str, datetime]] = defaultdict(dict)  # push head → commit sha → time
    commit_time: dict[str, datetime] = {}
    for change in changes:
        if change.push_sha:
            pushes[change.push_sha][change.sha] = change.committed_at
            commit_time.setdefault(change.sha, change.committed_at)
    # The deployments table: successful deployments with the commits of their pushes.
    table: list[tuple[Deploy, set[str]]] = []
    for d in sorted(deployments, key=lambda d: d.at):
        if d.status != "success":
            continue
        shipped: set[str] = set()
        for head in (d.sha, *d.additional_shas):
            shipped.update(pushes.get(head, {}))
        if shipped:
            table.append((d, shipped))
    in_window = [(d, shipped) for d, shipped in table if d.at in window]
    result: dict[str, Any] = {"deployments": len(in_window), "failed_deployments": 0}

    if not in_window:
        reason = "no successful deployments linked to a push (head commit = deployed SHA) in the window"
        result["deployment_frequency"] = _null(reason, per_week=None, fourkeys_bucket=None)
        result["lead_time_for_changes"] = _null(reason, median_hours=None)
        result["change_failure_rate"] = _null(reason, value=None)
    else:
        per_week = len(in_window) / window.weeks
        days = {d.at.date() for d, _ in in_window}
        # The dashboard looks at the days of the window after the first recorded event.
        first_data = min(commit_time.values(), default=window.start).date()
        last_day = (window.end - timedelta(microseconds=1)).date()
        result["deployment_frequency"] = {
            "per_week": round(per_week, 4),
            "band": band(bands, "deployment_frequency", per_week),
            "fourkeys_bucket": fourkeys_frequency_bucket(
                days, max(window.start.date(), first_data), last_day
            ),
            "method": "Four Keys: successful deployments linked to a push, per week; bucket as the dashboard",
        }
        minutes = [
            m
            for d, shipped in in_window
            for sha in sorted(shipped)
            if (m := _whole(d.at - commit_time[sha], 60)) > 0
        ]
        lead = median(minutes)
        if lead is None:
            result["lead_time_for_changes"] = _null("no change with a positive lead time", median_hours=None)
        else:
            hours = lead / 60
            result["lead_time_for_changes"] = {
                "median_hours": round(hours, 4),
                "pairs": len(minutes),
                "band": band(bands, "lead_time_hours", hours),
                "fourkeys_bucket": fourkeys_duration_bucket(hours),
                "method": "Four Keys: median whole minutes over (deployment x change) pairs, only > 0",
            }
        roots: dict[str, int] = defaultdict(int)  # change sha → incidents naming it
        for incident in incidents:
            if incident.root_cause_sha:
                roots[incident.root_cause_sha] += 1
        rows = sum(roots.get(sha, 0) for _, shipped in in_window for sha in shipped)
        failed = sum(1 for _, shipped in in_window if any(sha in roots for sha in shipped))
        result["failed_deployments"] = failed
        rate = rows / len(in_window)
        result["change_failure_rate"] = {
            "value": round(rate, 4),
            "band": band(bands, "change_failure_rate", rate),
            "method": "Four Keys: (deployment, change, incident) rows with a root-cause match ÷ deployments",
        }

    # Time to restore: incidents created in the window; created = earlier of the issue and
    # the first deployment of its root-cause change.
    first_deploy_of: dict[str, datetime] = {}
    for d, shipped in table:
        for sha in shipped:
            first_deploy_of.setdefault(sha, d.at)
    restore_hours: list[int] = []
    for incident in incidents:
        created = incident.opened_at
        root_at = first_deploy_of.get(incident.root_cause_sha) if incident.root_cause_sha else None
        if root_at is not None and root_at < created:
            created = root_at
        if created in window and incident.resolved_at is not None:
            restore_hours.append(_whole(incident.resolved_at - created, 3600))
    ttr = median(restore_hours)
    if ttr is None:
        result["time_to_restore"] = _null("no resolved incidents created in the window", median_hours=None)
    else:
        result["time_to_restore"] = {
            "median_hours": round(float(ttr), 4),
            "incidents": len(restore_hours),
            "band": band(bands, "recovery_hours", float(ttr)),
            "fourkeys_bucket": fourkeys_duration_bucket(float(ttr)),
            "method": "Four Keys: median whole hours from incident creation to resolution",
        }
    result["rework_rate"] = _null("Four Keys does not measure rework rate", value=None)
    return result
