"""The reliability-growth models against published estimates, and against themselves.

The published reference is the NTDS data: the times between the first 26 failures of the
US Navy's Naval Tactical Data System, in days, first published by Jelinski, Z. and
Moranda, P. (1972), "Software reliability research", in W. Freiberger (ed.), Statistical
Computer Performance Evaluation, Academic Press, 465-484, and analysed with the
exponential NHPP by Goel, A. L. and Okumoto, K. (1979), "Time-dependent error-detection
rate model for software reliability and other performance measures", IEEE Transactions
on Reliability R-28(3), 206-211, which reports the maximum-likelihood estimates
a = 33.99 and b = 0.00579 per day. The Jelinski-Moranda estimates on the same 26
failures, N = 31.2 and phi = 0.00685, are those of Jelinski and Moranda (1972), repeated
in Goel, A. L. (1985), "Software reliability models: assumptions, limitations and
applicability", IEEE Transactions on Software Engineering SE-11(12), 1411-1423.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize

from prodops.warranty import srgm

NTDS_INTERVALS = [9, 12, 11, 4, 7, 2, 5, 8, 5, 7, 1, 6, 1, 9, 4, 1, 3, 3, 6, 1, 11, 33, 7, 91, 2, 1]
NTDS = srgm.FailureTimes.of(np.cumsum(NTDS_INTERVALS))


def test_ntds_data_is_the_published_set():
    assert NTDS.n == 26
    assert NTDS.observed_until == 250  # the 26th failure, on day 250


def test_goel_okumoto_reproduces_goel_and_okumoto_1979_on_ntds():
    fit = srgm.fit("go", NTDS)
    assert round(fit.params["a"], 2) == 33.99
    assert round(fit.params["b"], 5) == 0.00579


def test_jelinski_moranda_reproduces_jelinski_and_moranda_1972_on_ntds():
    fit = srgm.fit("jm", NTDS)
    assert round(fit.params["N"], 1) == 31.2
    assert round(fit.params["phi"], 5) == 0.00685


@pytest.mark.parametrize("code", ["go", "mo", "dss", "jm"])
def test_the_fit_is_a_maximum_of_the_full_likelihood(code):
    # Independent of the profile reduction: a general-purpose optimiser started at the
    # estimate finds nothing higher.
    fit = srgm.fit(code, NTDS)
    loglik = _loglik(code)
    best = optimize.minimize(
        lambda th: -loglik(th),
        fit.theta * 1.05,
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000},
    )
    assert -best.fun <= fit.log_likelihood + 1e-6
    assert np.allclose(best.x, fit.theta, rtol=1e-3)
    assert fit.log_likelihood == pytest.approx(loglik(fit.theta), abs=1e-9)


@pytest.mark.parametrize("code", ["go", "mo", "dss", "jm"])
def test_standard_errors_come_from_the_observed_information(code):
    fit = srgm.fit(code, NTDS)
    hess = srgm._numeric_hessian(_loglik(code), fit.theta)
    numeric = np.sqrt(np.diag(np.linalg.inv(-hess)))
    assert np.allclose(numeric, list(fit.stderr.values()), rtol=1e-3)


def _loglik(code):
    spec = srgm.MODELS[srgm.MODEL_CODES[code]]
    if code == "jm":
        t = NTDS.times
        x = np.diff(np.concatenate(([0.0], t)))
        n = NTDS.n

        def jm(th):
            big_n, phi = th
            k = big_n - np.arange(n)
            if big_n <= n - 1 or phi <= 0:
                return -math.inf
            return float(np.sum(np.log(phi * k) - phi * k * x))

        return jm
    return lambda th: spec.loglik_times(th, NTDS) if np.all(th > 0) else -math.inf


def test_goel_okumoto_has_no_finite_mle_without_growth():
    # Mean failure time at or above T/2: the likelihood keeps rising as b -> 0.
    data = srgm.FailureTimes.of([10, 40, 60, 80, 100])
    assert data.times.mean() >= data.observed_until / 2
    with pytest.raises(srgm.NoFiniteMLE) as err:
        srgm.fit("go", data)
    assert srgm.NO_GROWTH in str(err.value)
    # ... and just inside the condition it has one.
    assert srgm.fit("go", srgm.FailureTimes.of([10, 20, 40, 50, 100])).params["b"] > 0


def test_estimate_refuses_data_without_growth_and_prints_no_parameters():
    flat = srgm.FailureTimes.of(np.arange(1, 21, dtype=float))
    result = srgm.estimate(flat, threshold=0.1, horizon=14)
    assert not result.ok
    out = result.as_dict()
    assert out["selected"] is None and out["forecast"] is None
    assert all(m == {"model": m["model"], "error": srgm.NO_GROWTH} for m in out["models"])


def test_laplace_statistic_by_hand():
    # Time-truncated at T = 10 with failures at 1, 2, 3: U = (2 - 5) / (10 sqrt(1/36)).
    trend = srgm.laplace_test(srgm.FailureTimes.of([1, 2, 3], 10))
    assert trend.statistic == pytest.approx(-3 / (10 / 6))
    assert trend.verdict == "growth"
    # Failure-truncated: the last failure is the end of observation and is left out.
    trend = srgm.laplace_test(srgm.FailureTimes.of([1, 2, 10]))
    assert trend.statistic == pytest.approx((1.5 - 5) / (10 * math.sqrt(1 / 24)))


def test_grouped_laplace_matches_kanoun_laprie_for_equal_periods():
    counts = np.array([5, 4, 4, 2, 1, 1.0])
    k = counts.size
    expected = (np.sum(np.arange(k) * counts) - (k - 1) / 2 * counts.sum()) / math.sqrt(
        (k * k - 1) / 12 * counts.sum()
    )
    trend = srgm.laplace_test(srgm.GroupedCounts.of(np.arange(1, k + 1), counts))
    assert trend.statistic == pytest.approx(expected)


GROUPED = srgm.GroupedCounts.of([7, 14, 21, 28, 35, 42, 49, 56], [10, 7, 6, 4, 3, 2, 1, 1])


@pytest.mark.parametrize("code", ["go", "mo", "dss"])
def test_grouped_fit_maximises_the_grouped_likelihood(code):
    fit = srgm.fit(code, GROUPED)
    spec = srgm.MODELS[srgm.MODEL_CODES[code]]
    best = optimize.minimize(
        lambda th: -spec.grouped_loglik(th, GROUPED),
        fit.theta * 1.1,
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000},
    )
    assert np.allclose(best.x, fit.theta, rtol=1e-3)
    # The scale parameter makes the expected total equal the observed total.
    assert float(fit.mean_value(GROUPED.observed_until)) == pytest.approx(GROUPED.n)
    assert all(v is not None for v in fit.stderr.values())


def test_grouped_without_growth_has_no_finite_mle():
    rising = srgm.GroupedCounts.of([1, 2, 3, 4, 5], [1, 2, 3, 4, 5])
    with pytest.raises(srgm.NoFiniteMLE):
        srgm.fit("go", rising)
    with pytest.raises(srgm.FitError):
        srgm.fit("jm", GROUPED)


def test_go_forecast_matches_its_closed_form():
    fit = srgm.fit("go", NTDS)
    a, b = fit.theta
    rate = 1 / 14
    fc = srgm.forecast(fit, threshold=rate, horizon=30)
    assert fc.threshold_time == pytest.approx(math.log(a * b / rate) / b)
    assert fc.raw_interval[0] < fc.threshold_time < fc.raw_interval[1]
    # The exit cannot be in the past: the reported interval starts at the end of
    # observation (250) and says it was clipped.
    assert fc.threshold_time < 250
    assert fc.interval == (250.0, max(250.0, fc.raw_interval[1]))
    assert fc.interval_clipped
    assert fc.expected_remaining == pytest.approx(a * math.exp(-b * 250))
    assert fc.p_no_failure == pytest.approx(math.exp(-a * (math.exp(-b * 250) - math.exp(-b * 280))))
    assert fc.current_intensity == pytest.approx(a * b * math.exp(-b * 250))
    # Below the threshold already at the end of observation (0.046 < 0.071 per day).
    assert fc.below_threshold_now


def test_jm_forecast_uses_the_faults_left():
    fit = srgm.fit("jm", NTDS)
    big_n, phi = fit.theta
    fc = srgm.forecast(fit, threshold=0.01, horizon=10)
    assert fc.current_intensity == pytest.approx((big_n - 26) * phi)
    assert fc.expected_remaining == pytest.approx(big_n - 26)
    # The next failure comes at rate phi (N - n): no failure in 10 days has e^(-10 phi (N - n)).
    assert fc.p_no_failure == pytest.approx(math.exp(-(big_n - 26) * phi * 10))


def test_bad_data_is_refused():
    with pytest.raises(ValueError):
        srgm.FailureTimes.of([3, 2])
    with pytest.raises(ValueError):
        srgm.FailureTimes.of([-1, 2])
    with pytest.raises(ValueError):
        srgm.FailureTimes.of([1, 5], observed_until=4)
    with pytest.raises(ValueError):
        srgm.GroupedCounts.of([1, 1], [2, 3])
