"""Process metrics of the handover process, per team and for the portfolio.

Plain Python, no Django: rows in, numbers out. Definitions (also in docs/lifecycle.md):

* **Time in stage** — for each stage, the days between the executed transition into it
  and the next executed transition out of it (stays still running, and the first stage,
  which no gate opens, are not counted); the median (the middle value, or the mean of the
  two middle values) and the 90th percentile by the nearest-rank method.
* **First-pass gate rate** — for each gate, of the products that passed it (an executed
  advance into that stage), the share whose first decided request for it was the one
  executed (no refused request before it; cancelled requests do not count).
* **Waiver rate** — executed advances whose gate snapshot shows at least one waived
  criterion ÷ executed advances. **Waiver median age** — the median age in days of the
  waivers in force today (signed by both leads, not revoked, not expired), from creation.
* **Warranty forecast error** — for each product that left warranty, the actual end (the
  day it entered operate) minus the forecast end (``warranty.forecast_end`` when it left,
  as kept in its retrospective's snapshot), in days: median absolute error and mean
  signed error (positive: it ended later than forecast).
* **Early-life incidents** — incidents opened within 90 days of entering operate, per
  product that entered operate; the median per product over those observed for the whole
  90 days, and the total.
* **Action items closed on time** — of the action items due by today or already closed,
  the share closed (done, or not doing with a reason) on or before their due date.
* **Retrospective coverage** — of the executed transitions that open a retrospective
  (into warranty or operate, and handbacks), the share whose retrospective was held.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from prodops.handback.load import nearest_rank

EARLY_LIFE_DAYS = 90
MEDIAN_METHOD = "median (mean of the two middle values when even)"
P90_METHOD = "nearest-rank"
RETRO_STAGES = ("warranty", "operate")


@dataclass(frozen=True)
class Move:
    """A decided transition request."""

    product: str
    team: str
    from_stage: str
    to_stage: str
    kind: str  # advance | handback
    status: str  # executed | refused | cancelled
    at: datetime
    waived: int = 0  # waived criteria in its snapshot


@dataclass(frozen=True)
class WaiverRow:
    team: str
    created: date
    in_force: bool


@dataclass(frozen=True)
class ActionRow:
    team: str
    due: date
    closed: date | None  # when marked done or not doing


@dataclass(frozen=True)
class RetroRow:
    team: str
    held: bool


@dataclass(frozen=True)
class ForecastRow:
    team: str
    product: str
    forecast_end: date
    actual_end: date


@dataclass(frozen=True)
class EarlyLifeRow:
    team: str
    product: str
    entered_operate: date
    incidents: int  # opened within EARLY_LIFE_DAYS of entering operate


def _rate(k: int, n: int) -> float | None:
    return k / n if n else None


def time_in_stage(moves: Iterable[Move]) -> dict[str, dict[str, Any]]:
    by_product: dict[str, list[Move]] = defaultdict(list)
    for m in moves:
        if m.status == "executed":
            by_product[m.product].append(m)
    stays: dict[str, list[float]] = defaultdict(list)
    for executed in by_product.values():
        executed.sort(key=lambda m: m.at)
        for into, out in itertools.pairwise(executed):
            if out.from_stage == into.to_stage:
                stays[into.to_stage].append((out.at - into.at).total_seconds() / 86400)
    return {
        stage: {
            "n": len(days),
            "median_days": statistics.median(days),
            "p90_days": nearest_rank(days, 0.9),
        }
        for stage, days in sorted(stays.items())
    }


def first_pass(moves: Iterable[Move]) -> dict[str, dict[str, Any]]:
    by_key: dict[tuple[str, str], list[Move]] = defaultdict(list)
    for m in moves:
        if m.kind == "advance" and m.status in {"executed", "refused"}:
            by_key[(m.product, m.to_stage)].append(m)
    passed: dict[str, int] = defaultdict(int)
    first: dict[str, int] = defaultdict(int)
    for (_, gate), tries in by_key.items():
        tries.sort(key=lambda m: m.at)
        executed = [i for i, m in enumerate(tries) if m.status == "executed"]
        if not executed:
            continue
        passed[gate] += 1
        if executed[0] == 0:
            first[gate] += 1
    return {
        gate: {"passed": passed[gate], "first_pass": first[gate], "rate": _rate(first[gate], passed[gate])}
        for gate in sorted(passed)
    }


def waivers(moves: Iterable[Move], rows: Iterable[WaiverRow], today: date) -> dict[str, Any]:
    advances = [m for m in moves if m.kind == "advance" and m.status == "executed"]
    with_waivers = sum(1 for m in advances if m.waived > 0)
    ages = [(today - w.created).days for w in rows if w.in_force]
    return {
        "gate_passes": len(advances),
        "with_waivers": with_waivers,
        "rate": _rate(with_waivers, len(advances)),
        "in_force": len(ages),
        "median_age_days": statistics.median(ages) if ages else None,
    }


def forecast_error(rows: Iterable[ForecastRow]) -> dict[str, Any]:
    errors = [(r.actual_end - r.forecast_end).days for r in rows]
    return {
        "n": len(errors),
        "median_abs_days": statistics.median(abs(e) for e in errors) if errors else None,
        "mean_signed_days": statistics.fmean(errors) if errors else None,
    }


def early_life(rows: Iterable[EarlyLifeRow], today: date) -> dict[str, Any]:
    rows = list(rows)
    complete = [r.incidents for r in rows if (today - r.entered_operate).days >= EARLY_LIFE_DAYS]
    return {
        "products": len(rows),
        "incidents": sum(r.incidents for r in rows),
        "observed_90_days": len(complete),
        "median_per_product": statistics.median(complete) if complete else None,
    }


def actions_on_time(rows: Iterable[ActionRow], today: date) -> dict[str, Any]:
    counted = [a for a in rows if a.closed is not None or a.due <= today]
    on_time = sum(1 for a in counted if a.closed is not None and a.closed <= a.due)
    return {"due_or_closed": len(counted), "on_time": on_time, "rate": _rate(on_time, len(counted))}


def coverage(rows: Iterable[RetroRow], transitions: int) -> dict[str, Any]:
    held = sum(1 for r in rows if r.held)
    return {"transitions": transitions, "held": held, "rate": _rate(held, transitions)}


T = TypeVar("T")


def _only(rows: Sequence[T], team: str | None) -> list[T]:
    return [r for r in rows if team is None or getattr(r, "team", None) == team]


def compute(
    *,
    moves: Sequence[Move],
    waiver_rows: Sequence[WaiverRow],
    actions: Sequence[ActionRow],
    retros: Sequence[RetroRow],
    forecasts: Sequence[ForecastRow],
    early: Sequence[EarlyLifeRow],
    today: date,
) -> dict[str, Any]:
    """Every metric for the portfolio and for each team (rows carry their team's slug)."""

    def group(team: str | None) -> dict[str, Any]:
        ms = _only(moves, team)
        opened = sum(
            1 for m in ms if m.status == "executed" and (m.kind == "handback" or m.to_stage in RETRO_STAGES)
        )
        return {
            "time_in_stage": time_in_stage(ms),
            "first_pass": first_pass(ms),
            "waivers": waivers(ms, _only(waiver_rows, team), today),
            "warranty_forecast_error": forecast_error(_only(forecasts, team)),
            "early_life_incidents": early_life(_only(early, team), today),
            "action_items": actions_on_time(_only(actions, team), today),
            "retrospective_coverage": coverage(_only(retros, team), opened),
        }

    teams: set[str] = set()
    for rows in (moves, waiver_rows, actions, retros, forecasts, early):
        teams.update(getattr(r, "team", "") for r in rows)
    by_team: Callable[[str], dict[str, Any]] = group
    return {
        "as_of": today.isoformat(),
        "methods": {"median": MEDIAN_METHOD, "p90": P90_METHOD, "early_life_days": EARLY_LIFE_DAYS},
        "portfolio": group(None),
        "teams": {t or "(no team)": by_team(t) for t in sorted(teams)},
    }
