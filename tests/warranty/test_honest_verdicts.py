"""Issue 16: no verdict from a degenerate fit, a goodness-of-fit check for every model, an
exit interval that never starts in the past, and one verdict on every surface."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from prodops.warranty import services, srgm

# NTDS failure days (Jelinski and Moranda 1972, first 26 failures), scaled by 0.25.
DAYS = np.cumsum([9, 12, 11, 4, 7, 2, 5, 8, 5, 7, 1, 6, 1, 9, 4, 1, 3, 3, 6, 1, 11, 33, 7, 91, 2, 1]) * 0.25


def test_a_boundary_jelinski_moranda_fit_is_never_selected():
    # Forty days without a failure after the 26th: JM's N-hat sits on N = n.
    data = srgm.FailureTimes.of(DAYS, 110.0)
    jm = srgm.fit("jm", data)
    assert jm.params["N"] == pytest.approx(26.0)
    assert jm.degenerate is not None and "boundary" in jm.degenerate
    est = srgm.estimate(data, threshold=1 / 14, horizon=14)
    assert est.selected is not None and est.selected.model != "jelinski-moranda"
    assert "jelinski-moranda" not in {v.model for v in est.views}
    payload = est.as_dict()
    jm_row = next(m for m in payload["models"] if m["model"] == "jelinski-moranda")
    assert jm_row["usable"] is False and jm_row["degenerate"]
    # JM alone: nothing usable, so no forecast, no certainty, and the verdict says why.
    alone = srgm.estimate(data, models=("jm",), threshold=1 / 14, horizon=14)
    assert alone.selected is None and alone.forecast is None
    assert alone.verdict == srgm.NO_USABLE


def test_a_jm_estimate_below_the_failures_seen_is_degenerate():
    # Observation ends at the last failure and the gaps lengthen sharply: the JM score
    # root lies between n - 1 and n, i.e. "fewer faults than were found".
    times = np.cumsum([1, 1, 1, 2, 3, 5, 8, 13, 21, 400.0])
    data = srgm.FailureTimes.of(times, float(times[-1]))
    jm = srgm.fit("jm", data)
    assert jm.params["N"] < data.n + srgm.JM_MIN_REMAINING
    assert jm.degenerate is not None
    est = srgm.estimate(data, models=("jm",), threshold=0.01, horizon=14)
    assert est.forecast is None


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    gaps=st.lists(st.floats(min_value=0.05, max_value=50.0), min_size=3, max_size=30),
    tail=st.floats(min_value=0.0, max_value=200.0),
)
def test_remaining_is_never_negative_and_the_interval_never_starts_in_the_past(gaps, tail):
    times = np.cumsum(gaps)
    data = srgm.FailureTimes.of(times, float(times[-1]) + tail)
    est = srgm.estimate(data, threshold=0.05, horizon=14)
    for view in est.views:
        assert view.expected_remaining is None or view.expected_remaining >= 0
        lo, hi = view.interval
        if math.isfinite(lo):
            assert lo >= data.observed_until
            assert hi >= lo
    if est.selected is not None:
        assert est.selected.degenerate is None and est.selected.gof.passed


def test_the_exit_interval_is_clipped_at_the_end_of_observation():
    # Intensity above the threshold now, but the raw delta-method interval starts before
    # the end of observation: the reported one starts at "now" and says it was clipped.
    data = srgm.FailureTimes.of(DAYS * 4, 120.0 * 4 / 4 * 4)  # NTDS in days, to 480
    fit = srgm.fit("go", data)
    threshold = float(fit.intensity(np.array(data.observed_until))) * 0.9
    fc = srgm.forecast(fit, threshold=threshold, horizon=14)
    assert not fc.below_threshold_now
    assert fc.threshold_time > data.observed_until
    if fc.raw_interval[0] < data.observed_until:
        assert fc.interval_clipped and fc.interval[0] == data.observed_until
    else:
        assert not fc.interval_clipped and fc.interval == fc.raw_interval
    assert fc.interval[0] >= data.observed_until


def test_goodness_of_fit_matches_scipy_kstest_on_the_transformed_times():
    """Reference: SciPy's ``kstest`` against Uniform(0, 1) on the Goel-Okumoto
    time-transformed failure times m(t_i)/m(T) computed here independently from the
    fitted a and b (the NTDS data of Goel and Okumoto 1979, observed until 250 days)."""
    times = DAYS * 4
    data = srgm.FailureTimes.of(times, 250.0)
    fit = srgm.fit("go", data)
    a, b = fit.params["a"], fit.params["b"]
    # Observation ends at the 26th failure (day 250), so only the first 25 are free.
    u = (a * (1 - np.exp(-b * times[:-1]))) / (a * (1 - math.exp(-b * 250.0)))
    ref = stats.kstest(u, "uniform")
    assert fit.gof.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert fit.gof.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert "Kolmogorov-Smirnov" in fit.gof.test
    assert fit.gof.passed  # GO describes NTDS (p well above 5%)
    # JM: the probability-integral transforms of the intervals, u_i = 1 - exp(-phi (N-i+1) x_i).
    jm = srgm.fit("jm", data)
    x = np.diff(np.concatenate(([0.0], times)))
    big_n, phi = jm.params["N"], jm.params["phi"]
    u_jm = 1 - np.exp(-phi * (big_n - np.arange(26)) * x)
    assert jm.gof.p_value == pytest.approx(stats.kstest(u_jm, "uniform").pvalue, rel=1e-9)


def test_a_model_that_does_not_fit_is_not_used():
    # Two tight bursts far apart: no smooth growth curve describes them; the S-shaped
    # and exponential fits are rejected by the KS test and are not used.
    times = np.concatenate([np.linspace(1, 3, 15), np.linspace(200, 202, 15)])
    data = srgm.FailureTimes.of(times, 400.0)
    est = srgm.estimate(data, threshold=0.01, horizon=14)
    rejected = [f for f in est.fits if not f.gof.passed]
    assert rejected, [(f.model, f.gof.p_value) for f in est.fits]
    for f in rejected:
        assert f.gof.p_value < srgm.GOF_ALPHA
        assert f is not est.selected and f.model not in {v.model for v in est.views}


GO_LIVE = date(2026, 9, 1)


def _at(days: float) -> datetime:
    return timezone.make_aware(datetime.combine(GO_LIVE, datetime.min.time())) + timedelta(days=days)


@pytest.fixture
def no_growth(db, make_product):
    """Failures whose Laplace statistic is negative but not significant (like the demo's
    inventory-sync), 60 days after go-live: the forecast must not decide, anywhere."""
    from prodops.events.models import Defect

    go_live = timezone.localdate() - timedelta(days=60)
    start = timezone.make_aware(datetime.combine(go_live, datetime.min.time()))
    p = make_product("inventory-sync", stage="warranty", go_live=go_live, warranty={"max_days": 90})
    for i, d in enumerate([3, 9, 14, 22, 27, 31, 40, 44, 52, 55]):
        at = start + timedelta(days=d)
        Defect.objects.create(product=p, external_id=f"D{i}", severity="high", found_at=at, fixed_at=at)
    return p


def test_no_significant_growth_is_said_on_every_surface(no_growth, client, django_user_model):
    from django.core.management import call_command

    w = services.assess_product(product=no_growth)
    assert w.estimate is not None and w.estimate.trend is not None
    assert w.estimate.trend.statistic < 0 and w.estimate.trend.p_value >= srgm.GROWTH_ALPHA
    assert w.decided_by == services.NOT_ENOUGH_EVIDENCE
    assert w.proposed_end == no_growth.go_live + timedelta(days=90)
    user = django_user_model.objects.create_user("ops", "ops@example.com", "pw", is_superuser=True)
    client.force_login(user)
    page = client.get("/products/inventory-sync/warranty/").content.decode()
    assert "from the forecast" not in page and "not enough evidence" in page
    api = client.get("/api/v1/products/inventory-sync/warranty").json()
    assert api["warranty"]["decided_by"] == "not enough evidence"
    assert api["forecast_decides"] is False
    dashboard = client.get("/").content.decode()
    assert "decided by forecast" not in dashboard
    from io import StringIO

    out = StringIO()
    call_command("report", "inventory-sync", "--format", "md", stdout=out)
    assert "decided by forecast" not in out.getvalue()
    assert "not enough evidence" in out.getvalue()
    text = StringIO()
    call_command("warranty", "estimate", "inventory-sync", "--format", "json", stdout=text)
    assert json.loads(text.getvalue())["warranty"]["decided_by"] == "not enough evidence"


def test_panel_criterion_and_pack_read_one_verdict(db, make_product):
    from prodops.events.models import Defect
    from prodops.knowledge.handover import build_pack
    from prodops.readiness.services import product_readiness

    p = make_product("payments-api", stage="warranty", go_live=GO_LIVE)
    for i, d in enumerate(DAYS):
        Defect.objects.create(
            product=p, external_id=f"D{i}", severity="high", found_at=_at(d), fixed_at=_at(d)
        )
    for now in (_at(70.5), _at(110.5)):
        w = services.assess_product(product=p, now=now)
        r = product_readiness(product=p, gate="operate", now=now)
        crit = next(c for c in r.criteria if c.id == "warranty-exit-data")
        assert (crit.status == "pass") == w.exit_met
    # At 70.5 days the usable models disagree: not met, on the panel and in the criterion.
    assert not services.assess_product(product=p, now=_at(70.5)).exit_met
    pack = build_pack(product=p)
    verdict = pack.warranty["verdict"]
    now_w = services.assess_product(product=p)
    assert verdict["exit_met"] == now_w.exit_met and verdict["exit_reason"] == now_w.exit_reason


def test_a_product_without_counted_defects_exits_1(db, make_product, prodops):
    make_product("quiet", stage="warranty", go_live=timezone.localdate() - timedelta(days=10))
    code, out, _ = prodops("warranty", "estimate", "quiet")
    assert code == 1
    assert "no counted defects" in out


def test_no_counted_failure_meets_the_exit_only_with_enough_observation(db, make_product):
    p = make_product("quiet", stage="warranty", go_live=GO_LIVE)
    # Threshold 1 per 14 days; the 95% upper bound with no failure in T days is 3.0/T per
    # day, below 1/14 only after about 42 days.
    assert not services.assess_product(product=p, now=_at(30)).exit_met
    assert services.assess_product(product=p, now=_at(50)).exit_met


def test_jm_intensity_is_drawn_as_steps():
    from prodops.warranty import chart

    data = srgm.FailureTimes.of(DAYS * 4, 250.0)
    fit = srgm.fit("jm", data)
    drawing = chart.build(
        go_live=GO_LIVE,
        failure_days=list(DAYS * 4),
        days_in=250.0,
        proposed_days=300.0,
        threshold_per_day=1 / 14,
        per_days=14.0,
        per_label="1 per 14d",
        fit=fit,
        forecast=srgm.forecast(fit, threshold=1 / 14, horizon=14),
    )
    points = [tuple(map(float, p.split(","))) for p in drawing.intensity_past.split()]
    ys = {round(y, 1) for _, y in points}
    # One level per failure interval (26 failures: 27 levels, some may share a pixel row),
    # joined by vertical segments at each failure time: not a flat line.
    assert len(ys) > 20
    from itertools import pairwise

    verticals = sum(1 for (x1, y1), (x2, y2) in pairwise(points) if x1 == x2 and y1 != y2)
    assert verticals >= 20
