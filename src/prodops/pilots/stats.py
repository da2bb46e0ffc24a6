"""Interval estimates and the pass / fail / inconclusive / no_data judgement of a pilot.

Plain SciPy, no Django. Every interval is two-sided at the stated confidence
(1 - alpha) and names its method:

* ``wilson`` — Wilson score interval for a binomial proportion, *without* continuity
  correction. Wilson, E. B. (1927), "Probable inference, the law of succession, and
  statistical inference", JASA 22(158), 209-212; recommended by Agresti, A. and Coull,
  B. A. (1998), "Approximate is better than 'exact' for interval estimation of binomial
  proportions", The American Statistician 52(2), 119-126.
* ``garwood`` — exact Poisson interval for a count k over an exposure, scaled to a rate
  per ``per`` units: lower = chi2(alpha/2; 2k) / 2, upper = chi2(1 - alpha/2; 2k + 2) / 2,
  each divided by the exposure and multiplied by ``per`` (lower = 0 when k = 0).
  Garwood, F. (1936), "Fiducial limits for the Poisson distribution", Biometrika 28,
  437-442.
* ``newcombe-hybrid-score`` — Newcombe's hybrid score interval for the difference of
  two independent proportions p1 - p0 (his method 10), built from the two Wilson
  intervals (l1, u1) and (l0, u0):  d - sqrt((p1 - l1)^2 + (u0 - p0)^2)  to
  d + sqrt((u1 - p1)^2 + (p0 - l0)^2).  Newcombe, R. G. (1998), "Interval estimation
  for the difference between independent proportions: comparison of eleven methods",
  Statistics in Medicine 17, 873-890.
* ``exact-conditional`` — the exact conditional interval for the ratio of two Poisson
  rates: given the total k1 + k0, k1 is binomial with p = R e1 / (R e1 + e0); the
  Clopper-Pearson interval for p (beta quantiles) is mapped to R = p / (1 - p) * e0 / e1.
  Clopper, C. J. and Pearson, E. S. (1934), Biometrika 26, 404-413; the conditional
  argument is in Breslow, N. E. and Day, N. E. (1987), Statistical Methods in Cancer
  Research II, IARC, section 2.2.

The judgement (:func:`judge`) compares the interval with the threshold: **pass** when
the whole interval lies on the good side (``at_least``: low >= threshold; ``at_most``:
high <= threshold; the threshold itself counts as good), **fail** when it lies wholly on
the bad side (``at_least``: high < threshold; ``at_most``: low > threshold),
**inconclusive** when it straddles the threshold. **no_data** is decided before any
interval: a sample below ``min_sample`` (trials for a proportion, units of exposure for
a rate) or empty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scipy import stats

Direction = Literal["at_least", "at_most"]
Status = Literal["pass", "fail", "inconclusive", "no_data"]
STATUSES: tuple[Status, ...] = ("pass", "fail", "inconclusive", "no_data")

WILSON = "wilson"
GARWOOD = "garwood"
NEWCOMBE = "newcombe-hybrid-score"
EXACT_CONDITIONAL = "exact-conditional"


@dataclass(frozen=True)
class Interval:
    """A point estimate with its two-sided interval; ``high`` may be +inf."""

    estimate: float
    low: float
    high: float
    confidence: float
    method: str


def _check_confidence(confidence: float) -> float:
    if not (isinstance(confidence, int | float) and math.isfinite(confidence) and 0 < confidence < 1):
        raise ValueError("confidence must be a number strictly between 0 and 1")
    return 1.0 - float(confidence)


def _check_count(name: str, value: float) -> int:
    if not (isinstance(value, int) and not isinstance(value, bool)) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0")
    return value


def _z(alpha: float) -> float:
    return float(stats.norm.ppf(1.0 - alpha / 2.0))


def wilson(successes: int, trials: int, confidence: float = 0.95) -> Interval:
    """Wilson score interval (no continuity correction) for successes / trials."""
    alpha = _check_confidence(confidence)
    k = _check_count("successes", successes)
    n = _check_count("trials", trials)
    if n == 0 or k > n:
        raise ValueError("trials must be > 0 and successes <= trials")
    p = k / n
    z = _z(alpha)
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # Clamp rounding at the ends: at k = 0 the lower limit is exactly 0, at k = n the upper is 1.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return Interval(p, low, high, confidence, WILSON)


def garwood(count: int, exposure: float, confidence: float = 0.95, per: float = 1.0) -> Interval:
    """Exact Poisson (Garwood) interval for count / exposure, as a rate per ``per`` units."""
    alpha = _check_confidence(confidence)
    k = _check_count("count", count)
    if not (math.isfinite(exposure) and exposure > 0):
        raise ValueError("exposure must be a finite number > 0")
    if not (math.isfinite(per) and per > 0):
        raise ValueError("per must be a finite number > 0")
    scale = per / exposure
    low = 0.0 if k == 0 else float(stats.chi2.ppf(alpha / 2.0, 2 * k)) / 2.0
    high = float(stats.chi2.ppf(1.0 - alpha / 2.0, 2 * k + 2)) / 2.0
    return Interval(k * scale, low * scale, high * scale, confidence, GARWOOD)


def newcombe_difference(
    successes1: int, trials1: int, successes0: int, trials0: int, confidence: float = 0.95
) -> Interval:
    """Newcombe's hybrid score interval (method 10) for p1 - p0 (pilot minus control)."""
    w1 = wilson(successes1, trials1, confidence)
    w0 = wilson(successes0, trials0, confidence)
    p1, p0 = w1.estimate, w0.estimate
    d = p1 - p0
    low = d - math.sqrt((p1 - w1.low) ** 2 + (w0.high - p0) ** 2)
    high = d + math.sqrt((w1.high - p1) ** 2 + (p0 - w0.low) ** 2)
    return Interval(d, low, high, confidence, NEWCOMBE)


def rate_ratio_exact(
    count1: int, exposure1: float, count0: int, exposure0: float, confidence: float = 0.95
) -> Interval:
    """Exact conditional interval for the rate ratio (count1/exposure1) / (count0/exposure0).

    The estimate is +inf when count0 = 0 < count1; the upper limit is +inf when count0 = 0.
    """
    alpha = _check_confidence(confidence)
    k1 = _check_count("count", count1)
    k0 = _check_count("control count", count0)
    for name, e in (("exposure", exposure1), ("control exposure", exposure0)):
        if not (math.isfinite(e) and e > 0):
            raise ValueError(f"{name} must be a finite number > 0")
    if k1 + k0 == 0:
        raise ValueError("no events in either group: the rate ratio is not estimable")
    p_low = 0.0 if k1 == 0 else float(stats.beta.ppf(alpha / 2.0, k1, k0 + 1))
    p_high = 1.0 if k0 == 0 else float(stats.beta.ppf(1.0 - alpha / 2.0, k1 + 1, k0))
    scale = exposure0 / exposure1

    def ratio(p: float) -> float:
        return math.inf if p >= 1.0 else p / (1.0 - p) * scale

    estimate = math.inf if k0 == 0 else (k1 / exposure1) / (k0 / exposure0)
    return Interval(estimate, ratio(p_low), ratio(p_high), confidence, EXACT_CONDITIONAL)


def judge(interval: Interval, threshold: float, direction: Direction) -> Status:
    """pass / fail / inconclusive for an interval against a threshold (see the module doc)."""
    if direction == "at_least":
        if interval.low >= threshold:
            return "pass"
        if interval.high < threshold:
            return "fail"
        return "inconclusive"
    if direction == "at_most":
        if interval.high <= threshold:
            return "pass"
        if interval.low > threshold:
            return "fail"
        return "inconclusive"
    raise ValueError("direction must be at_least or at_most")


@dataclass(frozen=True)
class Judgement:
    status: Status
    method: str
    n: float
    threshold: float
    direction: Direction
    interval: Interval | None = None


@dataclass(frozen=True)
class Proportion:
    successes: int
    trials: int


@dataclass(frozen=True)
class Rate:
    count: int
    exposure: float


METHOD_BY_KIND = {
    ("proportion", False): WILSON,
    ("rate", False): GARWOOD,
    ("proportion", True): NEWCOMBE,
    ("rate", True): EXACT_CONDITIONAL,
}


def comparison_threshold(kind: str, direction: Direction, max_worse: float) -> float:
    """The threshold on the comparison scale for a non-inferiority margin ``max_worse``.

    Proportions compare by difference (pilot - control): at_least (higher is better)
    passes when the difference is >= -max_worse; at_most when it is <= +max_worse.
    Rates compare by ratio (pilot / control), max_worse is relative: at_most passes when
    the ratio is <= 1 + max_worse; at_least when it is >= 1 - max_worse.
    """
    if kind == "proportion":
        return -max_worse if direction == "at_least" else max_worse
    return 1.0 - max_worse if direction == "at_least" else 1.0 + max_worse


def evaluate(
    *,
    kind: str,
    direction: Direction,
    threshold: float,
    confidence: float,
    min_sample: float,
    observed: Proportion | Rate | None,
    control: Proportion | Rate | None = None,
    compare: bool = False,
    per: float = 1.0,
) -> Judgement:
    """Judge one criterion on the pooled observations (and the control's, if compared).

    ``threshold`` is on the scale of the judged quantity: the proportion, the rate per
    ``per`` units, the difference of proportions, or the rate ratio.
    """
    method = METHOD_BY_KIND[(kind, compare)]

    def size(o: Proportion | Rate | None) -> float:
        if o is None:
            return 0
        return o.trials if isinstance(o, Proportion) else o.exposure

    n = size(observed)
    empty = Judgement("no_data", method, n, threshold, direction)
    if observed is None or n <= 0 or n < min_sample:
        return empty
    if compare and (control is None or size(control) <= 0 or size(control) < min_sample):
        return empty
    if isinstance(observed, Proportion):
        if compare:
            assert isinstance(control, Proportion)
            iv = newcombe_difference(
                observed.successes, observed.trials, control.successes, control.trials, confidence
            )
        else:
            iv = wilson(observed.successes, observed.trials, confidence)
    elif compare:
        assert isinstance(control, Rate)
        if observed.count + control.count == 0:
            return empty
        iv = rate_ratio_exact(observed.count, observed.exposure, control.count, control.exposure, confidence)
    else:
        iv = garwood(observed.count, observed.exposure, confidence, per)
    return Judgement(judge(iv, threshold, direction), method, n, threshold, direction, iv)
