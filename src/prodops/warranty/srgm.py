"""Software reliability-growth models: maximum-likelihood fits and forecasts.

Plain NumPy/SciPy, no Django. Four models:

* ``goel-okumoto`` (GO, exponential NHPP): m(t) = a (1 - e^(-b t)).
  Goel, A. L. and Okumoto, K. (1979), "Time-dependent error-detection rate model for
  software reliability and other performance measures", IEEE Trans. Reliability R-28(3).
* ``musa-okumoto`` (MO, logarithmic Poisson): m(t) = beta0 ln(1 + beta1 t).
  Musa, J. D. and Okumoto, K. (1984), ICSE 7.
* ``delayed-s-shaped`` (DSS, Yamada): m(t) = a (1 - (1 + b t) e^(-b t)).
  Yamada, S., Ohba, M. and Osaki, S. (1983), IEEE Trans. Reliability R-32(5).
* ``jelinski-moranda`` (JM): N faults, each found at rate phi; the i-th interval between
  failures is exponential with rate phi (N - i + 1). Jelinski, Z. and Moranda, P. (1972),
  "Software reliability research", in Statistical Computer Performance Evaluation.

Data are either *failure times* (the time of each failure since the start, observed
until ``observed_until`` >= the last failure) or *grouped* (counts per period ending at
``ends``). JM needs failure times.

Every two-parameter fit is reduced to a one-dimensional root-find or profile likelihood
(the scale parameter a / beta0 / phi has a closed form given the other), so 10,000
failure times fit in milliseconds. Standard errors come from the observed information
(the inverse of the negative Hessian of the log-likelihood at the MLE): analytic for
failure times, central differences for grouped data.

**No number without support.** For GO on failure times the likelihood equation for b
reduces to  mean(t_i) = 1/b - T/(e^(bT) - 1),  the mean of an exponential truncated to
[0, T]; it falls strictly from T/2 (b -> 0) to 0 (b -> inf). So a finite MLE exists
if and only if  sum(t_i) < n T / 2,  i.e. the Laplace statistic of all n times is
negative: the data must show growth (the condition of Hossain, S. A. and Dahiya, R. C.
(1993), "Estimating the parameters of a non-homogeneous Poisson-process model for
software reliability", IEEE Trans. Reliability 42(4), 604-612). The same argument gives
mean(t_i) < 2T/3 for DSS and mean(t_i) < T/2 for MO. For JM a finite MLE of N exists if
and only if  sum((i-1) x_i) / sum(x_i) > (n-1)/2  (x_i the intervals; the standard
condition, e.g. Joe, H. and Reid, N. (1985), JASA 80(389)). For grouped data the profile
likelihood is maximised numerically and a maximum at b -> 0 is reported the same way.
Where there is no finite MLE, :class:`NoFiniteMLE` is raised and no parameters are given.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize, special, stats

NO_GROWTH = "no reliability growth yet: cannot scope the warranty from these data"
NOT_SIGNIFICANT = "not enough evidence of reliability growth (Laplace test not significant at 5%)"
NO_USABLE = "no model both fits the data and has an interior estimate"
# A JM estimate with fewer than this many faults left is treated as the boundary N = n.
JM_MIN_REMAINING = 0.01
# The range of b T (the shape parameter times the observation time) inside which a
# GO/DSS/MO estimate is interior: outside it the likelihood is flat at its bound.
BT_MIN = 1e-6
BT_MAX = 700.0
# Goodness of fit: a model is used only when its test does not reject at this level.
GOF_ALPHA = 0.05
GROWTH_ALPHA = 0.05
INTERVAL_LEVEL = 0.90
INTERVAL_METHOD = "delta method on the log scale (observed information)"
_Z90 = float(stats.norm.ppf(0.5 + INTERVAL_LEVEL / 2))

MODEL_CODES = {
    "go": "goel-okumoto",
    "mo": "musa-okumoto",
    "dss": "delayed-s-shaped",
    "jm": "jelinski-moranda",
}


class FitError(Exception):
    """A model cannot be fitted to these data."""


class NoFiniteMLE(FitError):
    """The likelihood has no finite maximum: the data show no reliability growth."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(NO_GROWTH + (f" ({detail})" if detail else ""))
        self.detail = detail


# ----------------------------------------------------------------------------- data


@dataclass(frozen=True)
class FailureTimes:
    """Failure times since the start, sorted, observed until ``observed_until``."""

    times: np.ndarray
    observed_until: float

    @classmethod
    def of(cls, times: Sequence[float], observed_until: float | None = None) -> FailureTimes:
        t = np.asarray(times, dtype=float)
        if t.ndim != 1 or np.any(~np.isfinite(t)) or np.any(t < 0):
            raise ValueError("failure times must be finite and non-negative")
        if np.any(np.diff(t) < 0):
            raise ValueError("failure times must be in increasing order")
        end = float(t[-1]) if observed_until is None and t.size else float(observed_until or 0.0)
        if t.size and end < t[-1]:
            raise ValueError("observed_until must not be before the last failure")
        return cls(times=t, observed_until=end)

    @property
    def n(self) -> int:
        return int(self.times.size)

    def cumulative(self) -> tuple[np.ndarray, np.ndarray]:
        return self.times, np.arange(1, self.n + 1, dtype=float)


@dataclass(frozen=True)
class GroupedCounts:
    """Failure counts in consecutive periods (0, ends[0]], (ends[0], ends[1]], ..."""

    ends: np.ndarray
    counts: np.ndarray

    @classmethod
    def of(cls, ends: Sequence[float], counts: Sequence[float]) -> GroupedCounts:
        s = np.asarray(ends, dtype=float)
        y = np.asarray(counts, dtype=float)
        if s.shape != y.shape or s.ndim != 1:
            raise ValueError("ends and counts must have the same length")
        if np.any(~np.isfinite(s)) or np.any(s <= 0) or np.any(np.diff(s) <= 0):
            raise ValueError("period ends must be positive and strictly increasing")
        if np.any(y < 0) or np.any(y != np.round(y)):
            raise ValueError("counts must be non-negative integers")
        return cls(ends=s, counts=y)

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    @property
    def observed_until(self) -> float:
        return float(self.ends[-1]) if self.ends.size else 0.0

    @property
    def starts(self) -> np.ndarray:
        return np.concatenate(([0.0], self.ends[:-1]))

    def cumulative(self) -> tuple[np.ndarray, np.ndarray]:
        return self.ends, np.cumsum(self.counts)


Data = FailureTimes | GroupedCounts


# ----------------------------------------------------------------------------- trend


@dataclass(frozen=True)
class Trend:
    statistic: float
    p_value: float  # one-sided, for growth (small when the statistic is very negative)
    verdict: str  # "growth" | "no trend" | "deterioration"
    method: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "test": "laplace",
            "method": self.method,
            "statistic": round(self.statistic, 6),
            "p_value_growth": round(self.p_value, 6),
            "verdict": self.verdict,
        }


def _verdict(u: float) -> str:
    # Two-sided 10% level, i.e. one-sided 5% each way (Ascher & Feingold; Kanoun & Laprie).
    if u < -stats.norm.ppf(0.95):
        return "growth"
    if u > stats.norm.ppf(0.95):
        return "deterioration"
    return "no trend"


def laplace_test(data: Data) -> Trend | None:
    """The Laplace trend test. Negative values indicate reliability growth.

    Failure times: U = (mean(t_i) - T/2) / (T sqrt(1/(12 m))). When observation ends at
    the last failure, that failure is left out (failure-truncated form, Ascher and
    Feingold 1984). Grouped: the Laplace factor of Kanoun and Laprie, with each failure
    at its period's midpoint, which for equal periods is their formula exactly and
    extends it to unequal periods. None when there are too few failures.
    """
    if isinstance(data, FailureTimes):
        t, end = data.times, data.observed_until
        if data.n and end == t[-1]:
            t = t[:-1]
        m = t.size
        if m < 1 or end <= 0:
            return None
        u = (float(t.mean()) - end / 2) / (end * math.sqrt(1 / (12 * m)))
        method = "failure times" + (" (failure-truncated)" if t.size < data.n else " (time-truncated)")
    else:
        n = data.n
        if n < 1 or data.ends.size < 2:
            return None
        mid = (data.starts + data.ends) / 2
        w = (data.ends - data.starts) / data.observed_until
        mean0 = float(np.sum(w * mid))
        var0 = float(np.sum(w * mid**2)) - mean0**2
        u = (float(np.sum(data.counts * mid)) / n - mean0) / math.sqrt(var0 / n)
        method = "grouped (Laplace factor, period midpoints)"
    return Trend(statistic=u, p_value=float(stats.norm.cdf(u)), verdict=_verdict(u), method=method)


# ----------------------------------------------------------------------------- fits


@dataclass
class Fit:
    model: str
    params: dict[str, float]
    cov: np.ndarray
    log_likelihood: float
    data: Data
    _spec: ModelSpec = field(repr=False)

    @property
    def stderr(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for i, name in enumerate(self.params):
            v = self.cov[i, i]
            out[name] = float(math.sqrt(v)) if np.isfinite(v) and v > 0 else None
        return out

    @property
    def aic(self) -> float:
        return 2 * len(self.params) - 2 * self.log_likelihood

    @property
    def theta(self) -> np.ndarray:
        return np.array(list(self.params.values()), dtype=float)

    def mean_value(self, t: np.ndarray | float) -> np.ndarray:
        return self._spec.mean_value(np.asarray(t, dtype=float), self.theta)

    def intensity(self, t: np.ndarray | float) -> np.ndarray:
        """The failure intensity at t; for JM, the expected intensity given the data."""
        return self._spec.intensity_after(np.asarray(t, dtype=float), self.theta, self.data)

    @property
    def degenerate(self) -> str | None:
        """Why this fit sits at or beyond its parameter boundary, or None when it is
        interior. A degenerate fit is reported but never selected and never decides."""
        return self._spec.degenerate(self.theta, self.cov, self.data)

    @property
    def gof(self) -> GoodnessOfFit:
        return goodness_of_fit(self)

    @property
    def usable(self) -> bool:
        return self.degenerate is None and self.gof.passed

    def as_dict(self) -> dict[str, Any]:
        gof = self.gof
        return {
            "model": self.model,
            "params": {k: _r(v) for k, v in self.params.items()},
            "stderr": {k: _r(v) for k, v in self.stderr.items()},
            "log_likelihood": _r(self.log_likelihood),
            "aic": _r(self.aic),
            "degenerate": self.degenerate,
            "goodness_of_fit": gof.as_dict(),
            "usable": self.degenerate is None and gof.passed,
        }


def _r(v: float | None, digits: int = 6) -> float | None:
    if v is None or not math.isfinite(v):
        return None
    return float(f"{v:.{digits}g}")


def _solve_decreasing(f: Callable[[float], float], target: float, lo: float, hi: float) -> float:
    try:
        return float(optimize.brentq(lambda u: f(u) - target, lo, hi, xtol=1e-14, rtol=1e-13, maxiter=500))
    except ValueError:
        # No sign change inside [lo, hi]: the root is at (or past) a bound of the shape
        # parameter, i.e. the likelihood has no interior maximum there.
        raise NoFiniteMLE("the shape parameter's estimate is at its bound") from None


def _trunc_exp_mean(u: float) -> float:
    """Mean of an exponential with rate u truncated to [0, 1]: 1/u - 1/(e^u - 1)."""
    if u < 1e-4:
        return 0.5 - u / 12 + u**3 / 720
    if u > 700:  # e^u overflows; 1/(e^u - 1) is then below any float's resolution of 1/u
        return 1 / u
    return 1 / u - 1 / math.expm1(u)


def _q(x: np.ndarray) -> np.ndarray:
    """1 - (1 + x) e^(-x), accurate for small x (the series) as well as large."""
    x = np.asarray(x, dtype=float)
    small = x < 1e-2
    xs = np.where(small, x, 0.0)
    series = xs**2 / 2 - xs**3 / 3 + xs**4 / 8 - xs**5 / 30 + xs**6 / 144
    xl = np.where(small, 1.0, x)
    direct = -np.expm1(-xl) - xl * np.exp(-xl)
    return np.where(small, series, direct)


def _trunc_gamma2_mean(u: float) -> float:
    """Mean of a Gamma(2, rate u) truncated to [0, 1]: 2/u - u e^-u / (1 - (1+u) e^-u)."""
    if u < 1e-3:
        return 2 / 3 - u / 18 + u**2 / 270
    e = math.exp(-u)
    return 2 / u - u * e / (-math.expm1(-u) - u * e)


def _numeric_hessian(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    k = x.size
    h = 1e-4 * np.maximum(np.abs(x), 1e-8)
    hess = np.empty((k, k))
    f0 = f(x)
    for i in range(k):
        ei = np.zeros(k)
        ei[i] = h[i]
        hess[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h[i] ** 2
        for j in range(i + 1, k):
            ej = np.zeros(k)
            ej[j] = h[j]
            v = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h[i] * h[j])
            hess[i, j] = hess[j, i] = v
    return hess


def _cov(hess: np.ndarray) -> np.ndarray:
    info = -hess
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return np.full_like(info, np.nan)
    if np.any(np.diag(cov) <= 0):
        return np.full_like(info, np.nan)
    return cov


class ModelSpec:
    """One model: its mean value function, intensity and maximum-likelihood fits."""

    name: str
    param_names: tuple[str, str]
    finite: bool = True  # expects a finite number of failures in total

    # mean value and intensity of the NHPP, vectorised in t
    def mean_value(self, t: np.ndarray, theta: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def intensity(self, t: np.ndarray, theta: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def intensity_after(self, t: np.ndarray, theta: np.ndarray, data: Data) -> np.ndarray:
        return self.intensity(t, theta)

    def expected_between(self, t0: float, t1: float, theta: np.ndarray, data: Data) -> float:
        """Expected failures in (t0, t1] given the data up to t0."""
        return float(self.mean_value(np.array(t1), theta) - self.mean_value(np.array(t0), theta))

    def p_no_failure(self, t0: float, t1: float, theta: np.ndarray, data: Data) -> float:
        """Probability of no failure in (t0, t1]: for an NHPP, e^-(m(t1) - m(t0))."""
        return math.exp(-self.expected_between(t0, t1, theta, data))

    def remaining(self, theta: np.ndarray, data: Data) -> float | None:
        """Expected failures still to come after the end of observation."""
        if not self.finite:
            return None
        return float(theta[0] - self.mean_value(np.array(data.observed_until), theta))

    def fit(self, data: Data) -> Fit:
        if data.n < 2:
            raise FitError("at least two failures are needed")
        if isinstance(data, FailureTimes):
            return self.fit_times(data)
        return self.fit_grouped(data)

    def fit_times(self, data: FailureTimes) -> Fit:
        raise NotImplementedError

    # grouped data for the NHPP models: m(t) = c F(t; b), c has a closed form given b
    def log_shape_increments(self, starts: np.ndarray, ends: np.ndarray, b: np.ndarray) -> np.ndarray:
        """log(F(ends; b) - F(starts; b)) for each b (rows) and period (columns)."""
        raise NotImplementedError

    def log_shape(self, t: float, b: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def grouped_loglik(self, theta: np.ndarray, data: GroupedCounts) -> float:
        c, b = float(theta[0]), float(theta[1])
        if c <= 0 or b <= 0:
            return -math.inf
        logd = self.log_shape_increments(data.starts, data.ends, np.array([b]))[0]
        y = data.counts
        terms = np.where(y > 0, y * (math.log(c) + logd), 0.0)
        total = c * math.exp(float(self.log_shape(data.observed_until, np.array([b]))[0]))
        return float(terms.sum() - total - special.gammaln(y + 1).sum())

    def fit_grouped(self, data: GroupedCounts) -> Fit:
        if data.ends.size < 2:
            raise FitError("at least two periods are needed")
        n, y, end = data.n, data.counts, data.observed_until

        def profile(u: np.ndarray) -> np.ndarray:
            b = np.exp(u) / end
            logd = self.log_shape_increments(data.starts, data.ends, b)
            ll = np.where(y > 0, y * logd, 0.0).sum(axis=1) - n * self.log_shape(end, b)
            return np.asarray(ll)

        grid = np.linspace(-12.0, 9.0, 211)
        values = profile(grid)
        i = int(np.nanargmax(values))
        if i == 0:
            raise NoFiniteMLE("the profile likelihood is largest as the rate parameter goes to zero")
        if i == grid.size - 1:
            raise FitError("all failures fall in the first period: the rate parameter has no finite MLE")
        res = optimize.minimize_scalar(
            lambda u: -float(profile(np.array([u]))[0]),
            bounds=(grid[i - 1], grid[i + 1]),
            method="bounded",
            options={"xatol": 1e-12},
        )
        b = math.exp(float(res.x)) / end
        c = n / math.exp(float(self.log_shape(end, np.array([b]))[0]))
        theta = np.array([c, b])
        ll = self.grouped_loglik(theta, data)
        hess = _numeric_hessian(lambda th: self.grouped_loglik(th, data), theta)
        return self._make(theta, _cov(hess), ll, data)

    def degenerate(self, theta: np.ndarray, cov: np.ndarray, data: Data) -> str | None:
        """A reason when the MLE is on the boundary: a non-finite parameter, a shape
        parameter at the end of its range (``b T`` below ``B_MIN`` or above ``B_MAX``), or a
        standard error that is missing or not finite (a singular observed information)."""
        if not np.all(np.isfinite(theta)) or np.any(theta <= 0):
            return "a parameter is not finite and positive"
        u = float(theta[1]) * data.observed_until
        if u < BT_MIN or u > BT_MAX:
            return f"the shape parameter is at its bound (b T = {u:.3g})"
        diag = np.diag(cov)
        if not np.all(np.isfinite(diag)) or np.any(diag <= 0):
            return "no finite standard error (the observed information is singular)"
        return None

    def _make(self, theta: np.ndarray, cov: np.ndarray, ll: float, data: Data) -> Fit:
        params = {name: float(v) for name, v in zip(self.param_names, theta, strict=True)}
        return Fit(model=self.name, params=params, cov=cov, log_likelihood=ll, data=data, _spec=self)

    def threshold_time(self, theta: np.ndarray, rate: float, data: Data) -> float:
        """The time from which the intensity stays below ``rate`` (0 if it always is)."""
        raise NotImplementedError


class GoelOkumoto(ModelSpec):
    name = "goel-okumoto"
    param_names = ("a", "b")

    def mean_value(self, t: np.ndarray, theta: np.ndarray) -> np.ndarray:
        a, b = theta
        return np.asarray(-a * np.expm1(-b * t))

    def intensity(self, t: np.ndarray, theta: np.ndarray) -> np.ndarray:
        a, b = theta
        return np.asarray(a * b * np.exp(-b * t))

    def loglik_times(self, theta: np.ndarray, data: FailureTimes) -> float:
        a, b = theta
        n, end = data.n, data.observed_until
        return float(n * math.log(a) + n * math.log(b) - b * data.times.sum() + a * math.expm1(-b * end))

    def fit_times(self, data: FailureTimes) -> Fit:
        n, end = data.n, data.observed_until
        ratio = float(data.times.mean()) / end
        if not ratio < 0.5:
            raise NoFiniteMLE(f"mean failure time {ratio:.3f} T is not below T/2")
        u = _solve_decreasing(_trunc_exp_mean, ratio, 1e-12, 2 / ratio + 10)
        b = u / end
        a = n / -math.expm1(-u)
        e = math.exp(-u)
        hess = np.array(
            [[-n / a**2, -end * e], [-end * e, -n / b**2 + a * end**2 * e]],
        )
        theta = np.array([a, b])
        return self._make(theta, _cov(hess), self.loglik_times(theta, data), data)

    def log_shape_increments(self, starts: np.ndarray, ends: np.ndarray, b: np.ndarray) -> np.ndarray:
        b = b[:, None]
        with np.errstate(divide="ignore"):
            return np.asarray(-b * starts + np.log(-np.expm1(-b * (ends - starts))))

    def log_shape(self, t: float, b: np.ndarray) -> np.ndarray:
        return np.asarray(np.log(-np.expm1(-b * t)))

    def threshold_time(self, theta: np.ndarray, rate: float, data: Data) -> float:
        a, b = theta
        return max(0.0, math.log(a * b / rate) / b)


class DelayedSShaped(ModelSpec):
    name = "delayed-s-shaped"
    param_names = ("a", "b")

    def mean_value(self, t: np.ndarray, theta: np.ndarray) -> np.ndarray:
        a, b = theta
        return np.asarray(a * _q(b * t))

    def intensity(self, t: np.ndarray, theta: np.ndarray) -> np.ndarray:
        a, b = theta
        return np.asarray(a * b * b * t * np.exp(-b * t))

    def loglik_times(self, theta: np.ndarray, data: FailureTimes) -> float:
        a, b = theta
        n, end = data.n, data.observed_until
        return float(
            n * math.log(a)
            + 2 * n * math.log(b)
            + np.log(data.times).sum()
            - b * data.times.sum()
            - a * float(_q(np.array(b * end)))
        )

    def fit_times(self, data: FailureTimes) -> Fit:
        n, end = data.n, data.observed_until
        if np.any(data.times <= 0):
            raise FitError("a failure at time 0 has zero likelihood under the delayed S-shaped model")
        ratio = float(data.times.mean()) / end
        if not ratio < 2 / 3:
            raise NoFiniteMLE(f"mean failure time {ratio:.3f} T is not below 2T/3")
        u = _solve_decreasing(_trunc_gamma2_mean, ratio, 1e-9, 4 / ratio + 10)
        b = u / end
        g = float(_q(np.array(u)))
        a = n / g
        e = math.exp(-u)
        g_b = b * end**2 * e
        g_bb = end**2 * e * (1 - u)
        hess = np.array([[-n / a**2, -g_b], [-g_b, -2 * n / b**2 - a * g_bb]])
        theta = np.array([a, b])
        return self._make(theta, _cov(hess), self.loglik_times(theta, data), data)

    def log_shape_increments(self, starts: np.ndarray, ends: np.ndarray, b: np.ndarray) -> np.ndarray:
        b = b[:, None]
        x = b * (ends - starts)
        inner = b * starts * -np.expm1(-x) + _q(x)
        with np.errstate(divide="ignore"):
            return np.asarray(-b * starts + np.log(inner))

    def log_shape(self, t: float, b: np.ndarray) -> np.ndarray:
        return np.asarray(np.log(_q(b * t)))

    def threshold_time(self, theta: np.ndarray, rate: float, data: Data) -> float:
        b = theta[1]
        peak_t = 1 / b
        if self.intensity(np.array(peak_t), theta) <= rate:
            return 0.0
        hi = peak_t * 2
        while self.intensity(np.array(hi), theta) > rate:
            hi *= 2
        return float(optimize.brentq(lambda t: float(self.intensity(np.array(t), theta)) - rate, peak_t, hi))


class MusaOkumoto(ModelSpec):
    name = "musa-okumoto"
    param_names = ("beta0", "beta1")
    finite = False

    def mean_value(self, t: np.ndarray, theta: np.ndarray) -> np.ndarray:
        b0, b1 = theta
        return np.asarray(b0 * np.log1p(b1 * t))

    def intensity(self, t: np.ndarray, theta: np.ndarray) -> np.ndarray:
        b0, b1 = theta
        return np.asarray(b0 * b1 / (1 + b1 * t))

    def loglik_times(self, theta: np.ndarray, data: FailureTimes) -> float:
        b0, b1 = theta
        n, end = data.n, data.observed_until
        return float(
            n * math.log(b0) + n * math.log(b1) - np.log1p(b1 * data.times).sum() - b0 * math.log1p(b1 * end)
        )

    def fit_times(self, data: FailureTimes) -> Fit:
        n, end = data.n, data.observed_until
        s = data.times / end
        if not float(s.mean()) < 0.5:
            raise NoFiniteMLE(f"mean failure time {float(s.mean()):.3f} T is not below T/2")

        # d/dv of the profile log-likelihood in v = beta1 T
        def score(v: float) -> float:
            return float(n / v - np.sum(s / (1 + v * s)) - n / ((1 + v) * math.log1p(v)))

        grid = np.logspace(-6, 12, 73)
        # The score on the whole grid, then the first sign change: as one array for few
        # failures (call overhead dominates), point by point for many (memory dominates).
        if n <= 500:
            col = grid[:, None]
            signs = n / grid - np.sum(s / (1 + col * s), axis=1) - n / ((1 + grid) * np.log1p(grid))
        else:
            signs = np.array([score(float(v)) for v in grid])
        bracket = next(
            ((grid[i], grid[i + 1]) for i in range(grid.size - 1) if signs[i] > 0 >= signs[i + 1]), None
        )
        if bracket is None:
            raise NoFiniteMLE("the profile likelihood has no interior maximum")
        v = float(optimize.brentq(score, bracket[0], bracket[1], xtol=1e-14, rtol=1e-13, maxiter=500))
        b1 = v / end
        b0 = n / math.log1p(v)
        t = data.times
        hess = np.array(
            [
                [-n / b0**2, -end / (1 + v)],
                [
                    -end / (1 + v),
                    -n / b1**2 + float(np.sum(t**2 / (1 + b1 * t) ** 2)) + b0 * end**2 / (1 + v) ** 2,
                ],
            ]
        )
        theta = np.array([b0, b1])
        return self._make(theta, _cov(hess), self.loglik_times(theta, data), data)

    def log_shape_increments(self, starts: np.ndarray, ends: np.ndarray, b: np.ndarray) -> np.ndarray:
        b = b[:, None]
        with np.errstate(divide="ignore"):
            return np.asarray(np.log(np.log1p(b * (ends - starts) / (1 + b * starts))))

    def log_shape(self, t: float, b: np.ndarray) -> np.ndarray:
        return np.asarray(np.log(np.log1p(b * t)))

    def threshold_time(self, theta: np.ndarray, rate: float, data: Data) -> float:
        b0, b1 = theta
        return max(0.0, b0 / rate - 1 / b1)


class JelinskiMoranda(ModelSpec):
    name = "jelinski-moranda"
    param_names = ("N", "phi")

    # Unconditionally E[count by t] = N (1 - e^(-phi t)); used for the fitted curve.
    def mean_value(self, t: np.ndarray, theta: np.ndarray) -> np.ndarray:
        big_n, phi = theta
        return np.asarray(-big_n * np.expm1(-phi * t))

    def intensity(self, t: np.ndarray, theta: np.ndarray) -> np.ndarray:
        big_n, phi = theta
        return np.asarray(big_n * phi * np.exp(-phi * t))

    # Given n failures by T, each of the N - n faults left is found at rate phi.
    def intensity_after(self, t: np.ndarray, theta: np.ndarray, data: Data) -> np.ndarray:
        big_n, phi = theta
        end = data.observed_until
        return np.asarray(max(big_n - data.n, 0.0) * phi * np.exp(-phi * np.maximum(t - end, 0.0)))

    def expected_between(self, t0: float, t1: float, theta: np.ndarray, data: Data) -> float:
        big_n, phi = theta
        return float(max(big_n - data.n, 0.0) * -math.expm1(-phi * (t1 - t0)))

    def p_no_failure(self, t0: float, t1: float, theta: np.ndarray, data: Data) -> float:
        # The time to the next failure is exponential with rate phi (N - n).
        big_n, phi = theta
        return math.exp(-max(big_n - data.n, 0.0) * phi * (t1 - t0))

    def remaining(self, theta: np.ndarray, data: Data) -> float | None:
        return float(theta[0] - data.n)

    def degenerate(self, theta: np.ndarray, cov: np.ndarray, data: Data) -> str | None:
        big_n = float(theta[0])
        if math.isfinite(big_n) and big_n - data.n < JM_MIN_REMAINING:
            return (
                f"N = {big_n:.4g} is at or below the {data.n} failures seen (N - n < {JM_MIN_REMAINING}): "
                "a boundary estimate that says nothing about the faults left"
            )
        if not np.all(np.isfinite(theta)) or np.any(theta <= 0):
            return "a parameter is not finite and positive"
        diag = np.diag(cov)
        if not np.all(np.isfinite(diag)) or np.any(diag <= 0):
            return "no finite standard error (the observed information is singular)"
        return None

    def fit_grouped(self, data: GroupedCounts) -> Fit:
        raise FitError("the Jelinski-Moranda model needs failure times, not counts per period")

    def fit_times(self, data: FailureTimes) -> Fit:
        n, end, t = data.n, data.observed_until, data.times
        x = np.diff(np.concatenate(([0.0], t)))
        idx = np.arange(n, dtype=float)  # i - 1
        # S(N) = sum (N - i + 1) x_i + (N - n)(T - t_n) = N T - c
        c = float(np.sum(idx * x)) + n * (end - float(t[-1]))
        if not c / end > (n - 1) / 2:
            raise NoFiniteMLE("the intervals between failures do not lengthen")
        k = n - idx  # N - i + 1 = N - n + k, with k = n - i + 1

        def score(big_n: float) -> float:
            return float(np.sum(1 / (big_n - n + k)) - n * end / (big_n * end - c))

        lo = n - 1 + 1e-9 if end == t[-1] else float(n)
        lo = max(lo, c / end + 1e-9)
        if score(lo) <= 0:
            if lo != n:
                raise FitError("the Jelinski-Moranda likelihood has no interior maximum")
            # Every fault has been found: the MLE sits on the boundary N = n, where the
            # observed information says nothing about N; phi is then a plain rate.
            phi = n / (n * end - c)
            cov = np.array([[math.nan, math.nan], [math.nan, phi**2 / n]])
            ll = float(n * math.log(phi) + np.sum(np.log(k)) - phi * (n * end - c))
            return self._make(np.array([float(n), phi]), cov, ll, data)
        hi = 2.0 * n
        while score(hi) > 0:
            hi *= 2
            if hi > 1e12:
                raise NoFiniteMLE("the estimate of N grows without bound")
        big_n = float(optimize.brentq(score, lo, hi, xtol=1e-12, rtol=1e-14, maxiter=500))
        phi = n / (big_n * end - c)
        hess = np.array([[-float(np.sum(1 / (big_n - n + k) ** 2)), -end], [-end, -n / phi**2]])
        theta = np.array([big_n, phi])
        ll = float(n * math.log(phi) + np.sum(np.log(big_n - n + k)) - phi * (big_n * end - c))
        return self._make(theta, _cov(hess), ll, data)

    def threshold_time(self, theta: np.ndarray, rate: float, data: Data) -> float:
        big_n, phi = theta
        now = big_n - data.n
        if now * phi <= rate:
            return 0.0
        return data.observed_until + math.log(now * phi / rate) / phi


MODELS: dict[str, ModelSpec] = {
    m.name: m for m in (GoelOkumoto(), MusaOkumoto(), DelayedSShaped(), JelinskiMoranda())
}


def fit(model: str, data: Data) -> Fit:
    """Fit one model (by name or code) by maximum likelihood."""
    return MODELS[MODEL_CODES.get(model, model)].fit(data)


# ----------------------------------------------------------------------------- goodness of fit


@dataclass(frozen=True)
class GoodnessOfFit:
    test: str
    statistic: float | None
    p_value: float | None
    n: int
    passed: bool
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "statistic": _r(self.statistic),
            "p_value": _r(self.p_value),
            "n": self.n,
            "alpha": GOF_ALPHA,
            "passed": self.passed,
            "note": self.note,
        }


KS_NHPP = (
    "Kolmogorov-Smirnov test of the time-transformed failure times m(t_i)/m(T) against "
    "Uniform(0, 1) (given n failures by T, an NHPP's failure times are independent with "
    "distribution m(t)/m(T))"
)
KS_JM = (
    "Kolmogorov-Smirnov test of the probability-integral transforms "
    "u_i = 1 - exp(-phi (N - i + 1) x_i) of the times between failures against Uniform(0, 1) "
    "(the u-plot of Abdel-Ghaly, Chan and Littlewood 1986, tested)"
)
CHI2_GROUPED = "Pearson chi-squared test of the counts per period given the total (df = periods - 2)"


def transformed_times(result: Fit) -> np.ndarray:
    """The values a correct model makes independent and Uniform(0, 1), sorted (see the
    ``KS_NHPP`` and ``KS_JM`` texts); failure times only."""
    data = result.data
    assert isinstance(data, FailureTimes)
    t, end = data.times, data.observed_until
    if isinstance(result._spec, JelinskiMoranda):
        big_n, phi = result.theta
        x = np.diff(np.concatenate(([0.0], t)))
        rates = phi * (big_n - np.arange(data.n))
        return np.sort(-np.expm1(-np.maximum(rates, 0.0) * x))
    if data.n and end == t[-1]:
        # Observation ended at the last failure: only the others are free (failure-truncated).
        t = t[:-1]
    total = float(result.mean_value(np.array(end)))
    return np.sort(np.asarray(result.mean_value(t)) / total)


def goodness_of_fit(result: Fit) -> GoodnessOfFit:
    """Does the fitted model describe the data? Failure times: a KS test of the
    transformed times against the uniform (the parameters are estimated from the same
    data, so the p-value is conservative: a rejection is trustworthy). Grouped: Pearson's
    chi-squared on the counts per period given the total. Not rejected at ``GOF_ALPHA``
    means usable; too little data to test is said and not counted against the model."""
    data = result.data
    if isinstance(data, FailureTimes):
        u = transformed_times(result)
        test = KS_JM if isinstance(result._spec, JelinskiMoranda) else KS_NHPP
        if u.size < 1 or not np.all(np.isfinite(u)):
            return GoodnessOfFit(test, None, None, int(u.size), True, "too few failure times to test")
        res = stats.kstest(u, "uniform")
        p = float(res.pvalue)
        return GoodnessOfFit(test, float(res.statistic), p, int(u.size), bool(p >= GOF_ALPHA))
    m = np.asarray(result.mean_value(data.ends))
    expected_share = np.diff(np.concatenate(([0.0], m))) / m[-1]
    expected = expected_share * data.n
    df = data.ends.size - 2
    if df < 1:
        return GoodnessOfFit(CHI2_GROUPED, None, None, data.n, True, "too few periods to test")
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = float(np.sum(np.where(expected > 0, (data.counts - expected) ** 2 / expected, 0.0)))
    p = float(stats.chi2.sf(chi2, df))
    note = "some expected counts are below 5: the chi-squared approximation is rough" if np.any(
        expected < 5
    ) else ""
    return GoodnessOfFit(CHI2_GROUPED, chi2, p, data.n, bool(p >= GOF_ALPHA), note)


# ----------------------------------------------------------------------------- forecast


@dataclass(frozen=True)
class Forecast:
    model: str
    threshold: float
    now: float
    current_intensity: float
    below_threshold_now: bool
    threshold_time: float  # from the origin; <= now when already below
    interval: tuple[float, float]  # never before ``now`` (see ``interval_clipped``)
    interval_clipped: bool  # the raw interval started before the end of observation
    raw_interval: tuple[float, float]  # the delta-method interval itself (for coverage checks)
    expected_remaining: float | None
    expected_remaining_stderr: float | None
    horizon: float
    p_no_failure: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "threshold": _r(self.threshold),
            "observed_until": _r(self.now),
            "current_intensity": _r(self.current_intensity),
            "below_threshold_now": self.below_threshold_now,
            "threshold_time": _r(self.threshold_time),
            "interval": [_r(self.interval[0]), _r(self.interval[1])],
            "interval_clipped": self.interval_clipped,
            "interval_level": INTERVAL_LEVEL,
            "interval_method": INTERVAL_METHOD,
            "expected_remaining": _r(self.expected_remaining),
            "expected_remaining_stderr": _r(self.expected_remaining_stderr),
            "horizon": _r(self.horizon),
            "p_no_failure_in_horizon": _r(self.p_no_failure),
        }


def _gradient(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    g = np.empty(x.size)
    for i in range(x.size):
        h = 1e-6 * max(abs(x[i]), 1e-12)
        e = np.zeros(x.size)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def _delta_se(f: Callable[[np.ndarray], float], theta: np.ndarray, cov: np.ndarray) -> float | None:
    if not np.all(np.isfinite(cov)):
        return None
    try:
        g = _gradient(f, theta)
    except (ValueError, ZeroDivisionError, RuntimeError):
        return None
    var = float(g @ cov @ g)
    return math.sqrt(var) if var >= 0 and math.isfinite(var) else None


def forecast(result: Fit, *, threshold: float, horizon: float) -> Forecast:
    """When the intensity falls below ``threshold`` (failures per time unit), with a 90%
    interval by the delta method on the log of that time; the expected failures still to
    come; and the probability of no failure in the next ``horizon`` time units.

    The exit cannot happen before the end of observation, so the interval is reported as
    ``[max(now, low), max(now, high)]`` and ``interval_clipped`` says when that changed it.
    Expected failures still to come are never negative (a fit that says so is degenerate
    and is not forecast from by ``estimate``)."""
    if threshold <= 0:
        raise ValueError("the threshold must be a positive rate")
    spec, theta, data = result._spec, result.theta, result.data
    now = data.observed_until
    current = float(result.intensity(np.array(now)))
    t_star = spec.threshold_time(theta, threshold, data)
    se = _delta_se(lambda th: spec.threshold_time(th, threshold, data), theta, result.cov)
    if t_star <= 0:
        raw = (0.0, 0.0)
    elif se is None:
        raw = (math.nan, math.nan)
    else:
        log_spread = _Z90 * se / t_star
        if log_spread > 700:  # the interval is unbounded for any practical purpose
            raw = (0.0, math.inf)
        else:
            spread = math.exp(log_spread)
            raw = (t_star / spread, t_star * spread)
    clipped = bool(math.isfinite(raw[0]) and raw[0] < now)
    interval = (max(now, raw[0]), max(now, raw[1])) if clipped else raw
    remaining = spec.remaining(theta, data)
    rem_se = None
    if remaining is not None:
        rem_se = _delta_se(lambda th: spec.remaining(th, data) or 0.0, theta, result.cov)
        remaining = max(remaining, 0.0)
    return Forecast(
        model=result.model,
        threshold=threshold,
        now=now,
        current_intensity=max(current, 0.0),
        below_threshold_now=bool(current < threshold),
        threshold_time=float(t_star),
        interval=(float(interval[0]), float(interval[1])),
        interval_clipped=clipped,
        raw_interval=(float(raw[0]), float(raw[1])),
        expected_remaining=remaining,
        expected_remaining_stderr=rem_se,
        horizon=horizon,
        p_no_failure=spec.p_no_failure(now, now + horizon, theta, data),
    )


# ----------------------------------------------------------------------------- estimate


@dataclass
class Estimate:
    data: Data
    trend: Trend | None
    fits: list[Fit]
    errors: dict[str, str]
    selected: Fit | None
    forecast: Forecast | None
    order: list[str]
    views: list[Forecast] = field(default_factory=list)  # one per usable model

    @property
    def ok(self) -> bool:
        return self.selected is not None

    @property
    def growth_significant(self) -> bool:
        """The Laplace test finds growth at the one-sided ``GROWTH_ALPHA`` level."""
        return self.trend is not None and self.trend.p_value < GROWTH_ALPHA

    @property
    def models_agree(self) -> bool:
        """Every usable model says the same about being below the threshold now."""
        return len({v.below_threshold_now for v in self.views}) <= 1

    @property
    def decides(self) -> bool:
        """May the forecast decide the end of warranty? Only with significant growth and
        a usable selected model. (Whether the exit is met also needs the usable models
        to agree: see ``models_agree``.)"""
        return self.forecast is not None and self.growth_significant

    @property
    def verdict(self) -> str:
        """Why the forecast does or does not decide, in words."""
        if self.forecast is None:
            if self.fits and not any(f.usable for f in self.fits):
                return NO_USABLE
            return NO_GROWTH
        if not self.growth_significant:
            return NOT_SIGNIFICANT
        return "forecast"

    def data_dict(self) -> dict[str, Any]:
        if isinstance(self.data, FailureTimes):
            return {
                "kind": "failure-times",
                "failures": self.data.n,
                "observed_until": _r(self.data.observed_until),
            }
        return {
            "kind": "grouped",
            "failures": self.data.n,
            "periods": int(self.data.ends.size),
            "observed_until": _r(self.data.observed_until),
        }

    def as_dict(self) -> dict[str, Any]:
        by_name = {f.model: f for f in self.fits}
        models: list[dict[str, Any]] = []
        for name in self.order:
            if name in by_name:
                models.append(by_name[name].as_dict())
            else:
                models.append({"model": name, "error": self.errors[name]})
        return {
            "data": self.data_dict(),
            "trend": self.trend.as_dict() if self.trend else None,
            "models": models,
            "selected": self.selected.model if self.selected else None,
            "selection": (
                "smallest AIC among models that are not degenerate and pass the goodness-of-fit test"
            ),
            "forecast": self.forecast.as_dict() if self.forecast else None,
            "views": [
                {
                    "model": v.model,
                    "current_intensity": _r(v.current_intensity),
                    "below_threshold_now": v.below_threshold_now,
                }
                for v in self.views
            ],
            "models_agree": self.models_agree,
            "growth_significant": self.growth_significant,
            "forecast_decides": self.decides,
            "verdict": self.verdict,
        }


def estimate(
    data: Data, *, models: Sequence[str] = ("go", "mo", "dss", "jm"), threshold: float, horizon: float
) -> Estimate:
    """Fit every requested model, keep those that are interior (not degenerate) and pass
    the goodness-of-fit test, choose the one with the smallest AIC among them, and
    forecast; every usable model's view of "below the threshold now" is kept.

    Data whose Laplace statistic is not negative show no sign of growth at all; then no
    model is fitted, whatever its likelihood says."""
    names = [MODEL_CODES.get(m, m) for m in models]
    fits: list[Fit] = []
    errors: dict[str, str] = {}
    trend = laplace_test(data)
    for name in names:
        if trend is not None and trend.statistic >= 0:
            # A model may still have a finite MLE here (the S-shaped one on flat data),
            # but its forecast would be a guess about growth the data do not show.
            errors[name] = NO_GROWTH
            continue
        try:
            fits.append(MODELS[name].fit(data))
        except NoFiniteMLE:
            errors[name] = NO_GROWTH
        except FitError as exc:
            errors[name] = str(exc)
    usable = [f for f in fits if f.usable]
    selected = min(usable, key=lambda f: f.aic) if usable else None
    views = [forecast(f, threshold=threshold, horizon=horizon) for f in usable]
    fc = next((v for v in views if selected is not None and v.model == selected.model), None)
    return Estimate(
        data=data,
        trend=trend,
        fits=fits,
        errors=errors,
        selected=selected,
        forecast=fc,
        order=names,
        views=views,
    )
