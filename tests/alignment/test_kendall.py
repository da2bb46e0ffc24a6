"""Kendall's W against published worked examples, SciPy, and an independent brute force.

References used here:

* Worked example "strawberries": four raters rank eight farms (no ties), rank sums
  31 12 12 15 22 5 22 25, SS = 500, W = 500 / (504 x 16 / 12) = 0.744 and
  k(N - 1)W = 20.83 (InfluentialPoints, "Kendall's coefficient of concordance",
  https://influentialpoints.com/Training/coefficient_of_concordance.htm, worked example I).
* Exact null distribution for three raters and three items, Friedman (1937) and
  Siegel & Castellan (1988), Table M (N = 3, k = 3): P(χ²_r ≥ 6.0) = 0.028 and
  P(χ²_r ≥ 4.667) = 0.194, where χ²_r = 12 S / (N k (k + 1)) = S / 3.
  For four items and three raters the same table gives P(χ²_r ≥ 9.0) = 0.0017.
* With ties: the NAG Library's published example for G08DAF (Kendall's coefficient of
  concordance; NAG Fortran Library Manual, example program g08dafe, results g08dafe.r):
  three comparisons of ten objects, with tied scores, W = 0.828 (tie-corrected) and
  significance 0.008 (the chi-squared approximation, k(n - 1)W on n - 1 = 9 degrees of
  freedom; https://support.nag.com/numeric/nl/nagdoc_27.1/examples/baseresults/g08dafe.r.html).
* The tie correction W = 12 S / (m²(n³ - n) - m Σ(t³ - t)) of Siegel & Castellan (1988)
  §9.5, equivalent to the tie-corrected Friedman statistic m(n - 1)W (SciPy's
  ``friedmanchisquare`` is the oracle).
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from scipy import stats

from prodops.alignment import kendall

STRAWBERRIES = [
    [8, 4, 2, 3, 5, 1, 6, 7],
    [7, 3, 1, 4, 5, 2, 6, 8],
    [8, 2, 5, 6, 7, 1, 4, 3],
    [8, 3, 4, 2, 5, 1, 6, 7],
]


def brute_force_p(rankings):
    """P(S ≥ S_obs) by listing every assignment of each rater's ranks to the items,
    in exact rationals (independent of the dynamic programme)."""
    n = len(rankings[0])
    mean = Fraction(len(rankings) * (n + 1), 2)

    def s_of(rows):
        return sum((sum(Fraction(r[i]) for r in rows) - mean) ** 2 for i in range(n))

    observed = s_of(rankings)
    choices = [sorted(set(itertools.permutations(r))) for r in rankings]
    hits = total = 0
    for combo in itertools.product(*choices):
        total += 1
        hits += s_of(combo) >= observed
    return Fraction(hits, total)


def test_midranks_share_the_mean_position():
    assert kendall.midranks([1, 1, 3, 4]) == [1.5, 1.5, 3, 4]
    assert kendall.midranks([1, 1, 2, 3]) == [1.5, 1.5, 3, 4]
    assert kendall.midranks([2, 2, 2, 1]) == [3, 3, 3, 1]
    assert kendall.tie_term([1.5, 1.5, 3, 4]) == 6
    assert kendall.tie_term([1, 2, 3, 4]) == 0


def test_strawberries_worked_example():
    result = kendall.concordance(STRAWBERRIES, exact=False)
    assert result.rank_sums == (31, 12, 12, 15, 22, 5, 22, 25)
    assert result.s == 500
    assert round(result.w, 3) == 0.744
    assert result.w_corrected == result.w  # no ties
    assert round(4 * 7 * result.w, 2) == 20.83
    assert result.p_method == "chi2"
    assert result.p_value == pytest.approx(stats.chi2.sf(500 / 672 * 28, 7))
    # Consensus: farm 6 (index 5) best, farm 1 (index 0) worst.
    assert result.consensus[0] == 5 and result.consensus[-1] == 0


NAG_G08DAF = [
    [1.0, 4.5, 2.0, 4.5, 3.0, 7.5, 6.0, 9.0, 7.5, 10.0],
    [2.5, 1.0, 2.5, 4.5, 4.5, 8.0, 9.0, 6.5, 10.0, 6.5],
    [2.0, 1.0, 4.5, 4.5, 4.5, 4.5, 8.0, 8.0, 8.0, 10.0],
]


def test_nag_g08daf_example_with_ties_and_the_chi2_fallback():
    result = kendall.concordance(NAG_G08DAF)
    assert round(result.w_corrected, 3) == 0.828
    assert result.w < result.w_corrected  # the correction matters here
    # Ten objects: the exact enumeration is too large, so the p-value is chi-squared,
    # labelled as such, and it is NAG's significance.
    assert result.p_method == "chi2"
    assert round(result.p_value, 3) == 0.008


def test_exact_table_three_raters_three_items():
    perfect = [[1, 2, 3]] * 3
    assert kendall.exact_p_value(perfect) == pytest.approx(1 / 36)
    assert round(kendall.exact_p_value(perfect), 3) == 0.028
    # S = 14 (χ²_r = 4.667): two raters agree, the third swaps the last two.
    near = [[1, 2, 3], [1, 2, 3], [1, 3, 2]]
    assert kendall.statistic(near).s == 14
    assert round(kendall.exact_p_value(near), 3) == 0.194


def test_exact_table_three_raters_four_items():
    perfect = [[1, 2, 3, 4]] * 3
    assert round(kendall.exact_p_value(perfect), 4) == 0.0017


@pytest.mark.parametrize(
    "rankings",
    [
        [[1, 2, 3], [2, 1, 3], [3, 1, 2]],
        [[1, 2, 3, 4], [2, 1, 4, 3], [1, 3, 2, 4]],
        [[4, 3, 2, 1], [1, 2, 3, 4], [2, 1, 3, 4]],
        # With ties: the distribution conditions on each rater's tie pattern.
        [[1.5, 1.5, 3, 4], [1, 2, 3, 4], [2, 2, 2, 4]],
        [[1, 2.5, 2.5, 4], [1.5, 1.5, 3.5, 3.5], [2, 1, 3, 4], [1, 2, 3, 4]],
        [[2, 2, 2], [1, 2, 3], [1.5, 1.5, 3], [3, 1.5, 1.5]],
    ],
)
def test_exact_p_value_matches_brute_force(rankings):
    assert kendall.exact_p_value(rankings) == pytest.approx(float(brute_force_p(rankings)), abs=1e-12)


def test_tie_correction_matches_friedman_with_ties():
    rows = [[1.5, 1.5, 3, 4], [1, 2, 3, 4], [1, 3, 3, 3], [2.5, 1, 2.5, 4]]
    result = kendall.concordance(rows)
    # Hand computation: rank sums 6, 7.5, 11.5, 15 → S = 49.5; Σ T = 6 + 0 + 24 + 6 = 36.
    assert result.rank_sums == (6, 7.5, 11.5, 15)
    assert result.s == 49.5
    assert result.w == pytest.approx(12 * 49.5 / (16 * 60))
    assert result.w_corrected == pytest.approx(12 * 49.5 / (16 * 60 - 4 * 36))
    friedman = stats.friedmanchisquare(*zip(*rows, strict=True))
    assert 4 * 3 * result.w_corrected == pytest.approx(friedman.statistic)
    assert result.p_method == "exact"
    assert result.p_value == pytest.approx(float(brute_force_p(rows)), abs=1e-12)


def test_chi2_fallback_is_labelled_when_enumeration_is_infeasible(monkeypatch):
    monkeypatch.setattr(kendall, "EXACT_WORK_LIMIT", 100)
    rows = [[1, 2, 3, 4], [2, 1, 3, 4], [1, 2, 4, 3], [1, 3, 2, 4]]
    result = kendall.concordance(rows)
    assert result.p_method == "chi2"
    assert result.p_value == pytest.approx(stats.chi2.sf(4 * 3 * result.w_corrected, 3))


def test_exact_for_dozens_of_raters_with_ties_agrees_with_chi2_roughly():
    # 36 raters, four items, a third of them with a tie: exact stays feasible.
    base = [[1, 2, 3, 4], [4, 3, 2, 1], [2, 1, 4, 3], [3, 4, 1, 2], [1.5, 1.5, 3.5, 3.5], [1, 3, 2, 4]]
    rows = base * 6
    result = kendall.concordance(rows)
    assert result.p_method == "exact"
    assert 0.01 < result.p_value < 1
    chi2 = kendall.chi2_p_value(result.w_corrected, len(rows), 4)
    assert result.p_value == pytest.approx(chi2, abs=0.03)


def test_outlier_is_the_rater_whose_removal_raises_w_most():
    agree = [1, 2, 3, 4]
    rows = [agree, [1, 2, 4, 3], [2, 1, 3, 4], [4, 3, 2, 1], agree]
    result = kendall.concordance(rows)
    assert result.outlier is not None
    assert result.outlier.rater == 3
    without = kendall.statistic([r for i, r in enumerate(rows) if i != 3]).w_corrected
    assert result.outlier.w_without == pytest.approx(without)
    assert without > result.w_corrected


def test_no_outlier_when_everyone_agrees_or_too_few_raters():
    assert kendall.concordance([[1, 2, 3, 4]] * 4).outlier is None
    assert kendall.concordance([[1, 2, 3, 4], [4, 3, 2, 1]]).outlier is None


def test_undefined_w_says_why():
    one = kendall.concordance([[1, 2, 3, 4]])
    assert one.w_corrected is None and one.p_value is None and "two raters" in one.reason
    flat = kendall.concordance([[2.5] * 4, [2.5] * 4])
    assert flat.w_corrected is None and "tied every item" in flat.reason
