"""The pilot's interval estimates and judgement, against published worked examples and
against statsmodels / SciPy as oracles.

Published references:

* Wilson score interval (no continuity correction): Newcombe, R. G. (1998), "Two-sided
  confidence intervals for the single proportion: comparison of seven methods",
  Statistics in Medicine 17, 857-872, Table II, method 3 (Wilson 1927): 81/263 gives
  0.2553 to 0.3662, 15/148 gives 0.0624 to 0.1605, 0/20 gives 0 to 0.1611 and 1/29 gives
  0.0061 to 0.1718 (95%).
* Newcombe's hybrid score interval for a difference of proportions: Newcombe, R. G.
  (1998), "Interval estimation for the difference between independent proportions:
  comparison of eleven methods", Statistics in Medicine 17, 873-890, Table II, method 10:
  56/70 - 48/80 gives 0.0524 to 0.3339, 9/10 - 3/10 gives 0.1705 to 0.8090 (95%).
* Exact Poisson (Garwood 1936, Biometrika 28, 437-442) limits as tabulated e.g. in
  Ulm, K. (1990), "A simple method to calculate the confidence interval of a
  standardized mortality ratio", American Journal of Epidemiology 131(2), 373-375:
  for 10 observed events, 4.795 to 18.390; for 0 events, 0 to 3.689 (95%).
"""

from __future__ import annotations

import math

import pytest
from scipy import stats as sps
from statsmodels.stats import rates as sm_rates
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from prodops.pilots import stats

# ------------------------------------------------------------------ Wilson


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_reproduces_newcombe_1998_single_proportion_table(k, n, low, high):
    iv = stats.wilson(k, n, 0.95)
    assert round(iv.low, 4) == low
    assert round(iv.high, 4) == high
    assert iv.method == "wilson"


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
@pytest.mark.parametrize(
    ("k", "n"), [(0, 1), (1, 1), (3, 7), (95, 100), (990, 1000), (1000, 1000), (5, 5000)]
)
def test_wilson_matches_statsmodels(k, n, confidence):
    iv = stats.wilson(k, n, confidence)
    low, high = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    assert iv.low == pytest.approx(low, abs=1e-12)
    assert iv.high == pytest.approx(high, abs=1e-12)
    assert iv.estimate == k / n


# ------------------------------------------------------------------ Garwood


def test_garwood_reproduces_the_published_exact_poisson_limits():
    ten = stats.garwood(10, 1.0, 0.95)
    assert (round(ten.low, 3), round(ten.high, 3)) == (4.795, 18.390)
    zero = stats.garwood(0, 1.0, 0.95)
    assert zero.low == 0.0
    assert round(zero.high, 3) == 3.689
    assert ten.method == "garwood"


@pytest.mark.parametrize(
    ("k", "exposure", "per"), [(0, 500.0, 1000.0), (1, 10.0, 1.0), (7, 2500.0, 1000.0), (300, 12.5, 1.0)]
)
@pytest.mark.parametrize("confidence", [0.9, 0.95])
def test_garwood_matches_scipy_chi2_and_statsmodels(k, exposure, per, confidence):
    from statsmodels.stats.rates import confint_poisson

    alpha = 1 - confidence
    iv = stats.garwood(k, exposure, confidence, per)
    low = 0.0 if k == 0 else sps.chi2.ppf(alpha / 2, 2 * k) / 2
    high = sps.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    assert iv.low == pytest.approx(low / exposure * per, rel=1e-12)
    assert iv.high == pytest.approx(high / exposure * per, rel=1e-12)
    sm_low, sm_high = confint_poisson(k, exposure, method="exact-c", alpha=alpha)
    assert iv.high == pytest.approx(sm_high * per, rel=1e-9)
    assert iv.low == pytest.approx((0.0 if k == 0 else sm_low) * per, rel=1e-9, abs=1e-12)


# ------------------------------------------------------------------ Newcombe


@pytest.mark.parametrize(
    ("counts", "low", "high"),
    [((56, 70, 48, 80), 0.0524, 0.3339), ((9, 10, 3, 10), 0.1705, 0.8090)],
)
def test_newcombe_reproduces_newcombe_1998_table_ii_method_10(counts, low, high):
    iv = stats.newcombe_difference(*counts, 0.95)
    assert round(iv.low, 4) == low
    assert round(iv.high, 4) == high
    assert iv.method == "newcombe-hybrid-score"


@pytest.mark.parametrize(
    "counts",
    [
        (56, 70, 48, 80),
        (9, 10, 3, 10),
        (6, 7, 2, 7),
        (5, 56, 0, 29),
        (0, 10, 0, 20),
        (10, 10, 0, 20),
        (970, 1000, 985, 1000),
    ],
)
@pytest.mark.parametrize("confidence", [0.9, 0.95])
def test_newcombe_matches_statsmodels(counts, confidence):
    k1, n1, k0, n0 = counts
    iv = stats.newcombe_difference(k1, n1, k0, n0, confidence)
    low, high = confint_proportions_2indep(
        k1, n1, k0, n0, method="newcomb", compare="diff", alpha=1 - confidence
    )
    assert iv.low == pytest.approx(low, abs=1e-12)
    assert iv.high == pytest.approx(high, abs=1e-12)


# ------------------------------------------------------------------ rate ratio


@pytest.mark.parametrize(
    "counts", [(10, 100.0, 5, 200.0), (3, 50.0, 9, 40.0), (0, 10.0, 4, 10.0), (40, 1000.0, 35, 900.0)]
)
def test_rate_ratio_exact_conditional_inverts_statsmodels_exact_test(counts):
    # statsmodels has no exact-conditional *interval* for a rate ratio, but it has the
    # exact conditional *test* (test_poisson_2indep, method="exact-cond"): at each limit
    # of the 95% interval the one-sided p-value is exactly 2.5%.
    k1, e1, k0, e0 = counts
    iv = stats.rate_ratio_exact(k1, e1, k0, e0, 0.95)
    high_p = sm_rates.test_poisson_2indep(
        k1, e1, k0, e0, value=iv.high, method="exact-cond", alternative="smaller"
    )
    assert high_p.pvalue == pytest.approx(0.025, abs=1e-9)
    if k1 == 0:
        assert iv.low == 0.0
    else:
        low_p = sm_rates.test_poisson_2indep(
            k1, e1, k0, e0, value=iv.low, method="exact-cond", alternative="larger"
        )
        assert low_p.pvalue == pytest.approx(0.025, abs=1e-9)
    # And the conditional binomial's Clopper-Pearson limits (SciPy), mapped to the ratio.
    ci = sps.binomtest(k1, k1 + k0).proportion_ci(0.95, method="exact")
    assert iv.high == pytest.approx(ci.high / (1 - ci.high) * e0 / e1, rel=1e-9)
    assert iv.method == "exact-conditional"


def test_rate_ratio_without_control_events_has_no_upper_limit():
    iv = stats.rate_ratio_exact(4, 10.0, 0, 10.0, 0.95)
    assert iv.high == math.inf
    assert iv.low > 0


# ------------------------------------------------------------------ judgement at the boundaries


def _proportion(k: int, n: int, threshold: float, *, direction: str = "at_least", min_sample: int = 1) -> str:
    return stats.evaluate(
        kind="proportion",
        direction=direction,  # type: ignore[arg-type]
        threshold=threshold,
        confidence=0.95,
        min_sample=min_sample,
        observed=stats.Proportion(k, n),
    ).status


def test_proportion_pass_and_inconclusive_either_side_of_the_wilson_lower_limit():
    # Newcombe (1998) 81/263: Wilson 95% 0.2553 to 0.3662.
    assert _proportion(81, 263, 0.2552) == "pass"
    assert _proportion(81, 263, 0.2554) == "inconclusive"
    assert _proportion(81, 263, 0.3661) == "inconclusive"
    assert _proportion(81, 263, 0.3663) == "fail"


def test_proportion_at_most_mirrors_at_least():
    assert _proportion(81, 263, 0.3663, direction="at_most") == "pass"
    assert _proportion(81, 263, 0.3661, direction="at_most") == "inconclusive"
    assert _proportion(81, 263, 0.2554, direction="at_most") == "inconclusive"
    assert _proportion(81, 263, 0.2552, direction="at_most") == "fail"


def test_no_data_below_min_sample_and_judged_at_it():
    assert _proportion(99, 99, 0.5, min_sample=100) == "no_data"
    assert _proportion(100, 100, 0.5, min_sample=100) == "pass"
    assert _proportion(0, 0, 0.5) == "no_data"


def _rate(k: int, exposure: float, threshold: float, per: float = 1.0) -> str:
    return stats.evaluate(
        kind="rate",
        direction="at_most",
        threshold=threshold,
        confidence=0.95,
        min_sample=0,
        observed=stats.Rate(k, exposure),
        per=per,
    ).status


def test_rate_either_side_of_the_garwood_limits():
    # 10 events in 1 unit: 95% 4.795 to 18.390 (Ulm 1990); per 1000 units of 1000 exposure.
    assert _rate(10, 1000.0, 18.391, per=1000.0) == "pass"
    assert _rate(10, 1000.0, 18.389, per=1000.0) == "inconclusive"
    assert _rate(10, 1000.0, 4.796, per=1000.0) == "inconclusive"
    assert _rate(10, 1000.0, 4.794, per=1000.0) == "fail"


def _versus(k1: int, n1: int, k0: int, n0: int, max_worse: float) -> stats.Judgement:
    return stats.evaluate(
        kind="proportion",
        direction="at_least",
        threshold=stats.comparison_threshold("proportion", "at_least", max_worse),
        confidence=0.95,
        min_sample=1,
        observed=stats.Proportion(k1, n1),
        control=stats.Proportion(k0, n0),
        compare=True,
    )


def test_comparison_with_control_either_side_of_newcombes_limits():
    # Newcombe (1998) 56/70 vs 48/80: difference 0.0524 to 0.3339. Judged as "the pilot is at
    # most max_worse below control", the threshold is -max_worse on the difference.
    assert _versus(56, 70, 48, 80, -0.0523).status == "pass"  # low 0.0524 >= 0.0523
    assert _versus(56, 70, 48, 80, -0.0525).status == "inconclusive"
    assert _versus(48, 80, 56, 70, 0.0523).status == "fail"  # mirrored: high -0.0524 < -0.0523
    assert _versus(48, 80, 56, 70, 0.0525).status == "inconclusive"
    assert _versus(56, 70, 48, 80, 0.01).method == "newcombe-hybrid-score"


def test_comparison_without_control_is_no_data():
    judged = stats.evaluate(
        kind="proportion",
        direction="at_least",
        threshold=-0.01,
        confidence=0.95,
        min_sample=1,
        observed=stats.Proportion(50, 60),
        control=None,
        compare=True,
    )
    assert judged.status == "no_data"


def test_rate_ratio_comparison_judged_against_one_plus_max_worse():
    iv = stats.rate_ratio_exact(10, 100.0, 5, 200.0)
    threshold = stats.comparison_threshold("rate", "at_most", 0.5)  # at most 50% worse
    judged = stats.evaluate(
        kind="rate",
        direction="at_most",
        threshold=threshold,
        confidence=0.95,
        min_sample=0,
        observed=stats.Rate(10, 100.0),
        control=stats.Rate(5, 200.0),
        compare=True,
    )
    assert threshold == 1.5
    assert iv.low < 1.5 < iv.high  # 1.25 to 14.9: straddles
    assert judged.status == "inconclusive"
    stricter = stats.evaluate(
        kind="rate",
        direction="at_most",
        threshold=stats.comparison_threshold("rate", "at_most", 0.2),
        confidence=0.95,
        min_sample=0,
        observed=stats.Rate(10, 100.0),
        control=stats.Rate(5, 200.0),
        compare=True,
    )
    assert stricter.status == "fail"  # 1.25 > 1.2
    assert judged.method == "exact-conditional"


@pytest.mark.parametrize("bad", [math.nan, math.inf, 0.0, 1.0, -0.5])
def test_bad_confidence_is_refused(bad):
    with pytest.raises(ValueError, match="confidence"):
        stats.wilson(1, 2, bad)
