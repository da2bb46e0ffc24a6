"""A product's warranty from its own defects and incidents: policy, proposed end, facts,
the page and `prodops warranty estimate SLUG`."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from django.utils import timezone

from prodops.core import facts
from prodops.warranty import services, srgm

GO_LIVE = date(2026, 9, 1)
NOW = timezone.make_aware(datetime(2026, 11, 10, 12, 0))  # 70.5 days in
# NTDS failure days, scaled by 0.25: a Goel-Okumoto-like history with growth.
DAYS = np.cumsum([9, 12, 11, 4, 7, 2, 5, 8, 5, 7, 1, 6, 1, 9, 4, 1, 3, 3, 6, 1, 11, 33, 7, 91, 2, 1]) * 0.25
POLICY = {
    "threshold": {"defects": 1, "per": "14d"},
    "min_days": 30,
    "max_days": 120,
    "severities": ["critical", "high"],
}


def at(days: float) -> datetime:
    return timezone.make_aware(datetime.combine(GO_LIVE, datetime.min.time())) + timedelta(days=days)


@pytest.fixture
def product(db, make_product):
    from prodops.events.models import Defect, Incident

    p = make_product("payments-api", stage="warranty", go_live=GO_LIVE, warranty=POLICY)
    for i, d in enumerate(DAYS[:-4]):
        Defect.objects.create(
            product=p, external_id=f"D-{i}", severity="high", found_at=at(d), fixed_at=at(d + 1)
        )
    # The last four as incidents (sev1/sev2 count as critical/high).
    for i, d in enumerate(DAYS[-4:]):
        Incident.objects.create(
            product=p, external_id=f"I-{i}", severity=1 + i % 2, opened_at=at(d), resolved_at=at(d)
        )
    # Not counted: low severity, sev3, before go-live, after now.
    Defect.objects.create(product=p, external_id="low", severity="low", found_at=at(5))
    Incident.objects.create(product=p, external_id="sev3", severity=3, opened_at=at(6))
    Defect.objects.create(product=p, external_id="early", severity="high", found_at=at(-3), fixed_at=at(-2))
    Defect.objects.create(product=p, external_id="later", severity="high", found_at=NOW + timedelta(days=2))
    return p


def test_assess_uses_counted_events_since_go_live(product):
    w = services.assess_product(product=product, now=NOW)
    assert w.failure_days == pytest.approx(sorted(DAYS))
    assert w.days_in == pytest.approx(70.5)
    expected = srgm.estimate(srgm.FailureTimes.of(DAYS, 70.5), threshold=1 / 14, horizon=14)
    assert w.estimate.selected.model == expected.selected.model
    assert w.estimate.selected.params == pytest.approx(expected.selected.params)
    assert w.open_counted == 0
    fc = w.forecast
    assert w.current_intensity == pytest.approx(fc.current_intensity)
    wanted = max(fc.threshold_time, 70.5)
    assert w.proposed_days == pytest.approx(min(max(wanted, 30), 120))
    assert w.proposed_end == GO_LIVE + timedelta(days=math.ceil(w.proposed_days))
    # The exit needs every usable model below the threshold: here delayed S-shaped is
    # below but the others are above, so it is not met, and each model's view is shown.
    views = {v.model: v.below_threshold_now for v in w.estimate.views}
    assert len(set(views.values())) == 2
    assert not w.exit_met
    assert "disagree" in w.exit_reason and "delayed-s-shaped below" in w.exit_reason


def test_an_open_counted_defect_blocks_the_exit(product):
    from prodops.events.models import Defect

    Defect.objects.filter(external_id="later").delete()
    later = at(110.5)  # forty days without a counted failure: every usable model is below
    w = services.assess_product(product=product, now=later)
    assert w.estimate.views and all(v.below_threshold_now for v in w.estimate.views)
    assert w.exit_met
    Defect.objects.create(product=product, external_id="open", severity="critical", found_at=at(70))
    w = services.assess_product(product=product, now=later)
    assert w.open_counted == 1
    assert not w.exit_met


def test_clamps_say_when_they_decided(product):
    product.warranty = {**POLICY, "min_days": 100, "max_days": 150}
    product.save()
    w = services.assess_product(product=product, now=NOW)
    assert w.decided_by == "min_days"
    assert w.proposed_end == GO_LIVE + timedelta(days=100)
    product.warranty = {**POLICY, "threshold": {"defects": 1, "per": "90d"}, "min_days": 10, "max_days": 40}
    product.save()
    w = services.assess_product(product=product, now=NOW)
    assert w.decided_by == "max_days"
    assert w.proposed_end == GO_LIVE + timedelta(days=40)


def test_no_growth_gives_no_forecast(db, make_product):
    from prodops.events.models import Defect

    p = make_product("flat", stage="warranty", go_live=GO_LIVE, warranty=POLICY)
    for i in range(12):
        Defect.objects.create(
            product=p,
            external_id=f"F-{i}",
            severity="critical",
            found_at=at(5.8 * (i + 1)),
            fixed_at=at(5.8 * (i + 1) + 1),
        )
    w = services.assess_product(product=p, now=NOW)
    assert w.message == srgm.NO_GROWTH
    assert w.current_intensity is None and not w.exit_met
    values = facts.compute([p.id], NOW)[p.id]
    assert values["warranty.exit_met"] is False
    assert "warranty.forecast_end" not in values and "warranty.current_intensity" not in values


def test_facts(product, make_product):
    other = make_product("ledger", stage="operate", go_live=date(2026, 1, 1))
    plain = make_product("idea")
    values = facts.compute([product.id, other.id, plain.id], NOW)
    w = services.assess_product(product=product, now=NOW)
    assert values[product.id]["warranty.days_in"] == 70
    assert values[product.id]["warranty.exit_met"] is w.exit_met
    assert values[product.id]["warranty.current_intensity"] == pytest.approx(w.current_intensity)
    assert values[product.id]["warranty.forecast_end"] == w.proposed_end
    mine = {k: v for k, v in values[other.id].items() if k.startswith("warranty.")}
    assert mine == {"warranty.days_in": (NOW.date() - date(2026, 1, 1)).days}
    assert not any(k.startswith("warranty.") for k in values[plain.id])
    for name in (
        "warranty.current_intensity",
        "warranty.forecast_end",
        "warranty.exit_met",
        "warranty.days_in",
    ):
        assert facts.spec_for(name) is not None


def test_cli_for_a_product(product):
    # call_command, not the console script: the script closes the database connection
    # when it finishes, as a process would, which ends the test's transaction.
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command(
        "warranty", "estimate", "payments-api", "--observed-until", "70.5", "--format", "json", stdout=out
    )
    payload = json.loads(out.getvalue())
    assert payload["data"]["failures"] == 26
    w = services.assess_product(product=product, now=NOW)
    assert payload["selected"] == w.estimate.selected.model
    assert payload["warranty"]["proposed_end"] == w.proposed_end.isoformat()
    with pytest.raises(CommandError) as err:
        call_command("warranty", "estimate", "no-such-product")
    assert err.value.returncode == 2


def test_cli_text_for_a_product_speaks_in_days(product):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("warranty", "estimate", "payments-api", "--observed-until", "70.5", stdout=out)
    text = out.getvalue()
    assert "per day (threshold 0.07143 per day)" in text
    assert "Probability of no failure in the next 14 days: " in text
    assert "per unit" not in text
    w = services.assess_product(product=product, now=NOW)
    assert w.decided_by in ("forecast", "observed", "min_days", "max_days")
    assert f"Proposed warranty end: {w.proposed_end} (decided by " in text
    assert "Selected (smallest AIC among usable models)" in text
    # The JSON keeps its shape: the estimate's keys plus the product's warranty.
    out = StringIO()
    call_command(
        "warranty", "estimate", "payments-api", "--observed-until", "70.5", "--format", "json", stdout=out
    )
    payload = json.loads(out.getvalue())
    assert {"data", "trend", "models", "selected", "forecast", "warranty"} <= set(payload)
    assert {"views", "models_agree", "growth_significant", "forecast_decides", "verdict"} <= set(payload)
    assert payload["warranty"]["decided_by"] == w.decided_by
    assert payload["warranty"]["unit"] == "days since go-live"


def test_cli_says_what_decided_when_there_is_no_forecast(db, make_product):
    from io import StringIO

    from django.core.management import call_command

    from prodops.events.models import Defect

    p = make_product("flat", stage="warranty", go_live=GO_LIVE, warranty=POLICY)
    for i in range(12):  # evenly spaced: no reliability growth, as in test_no_growth_gives_no_forecast
        Defect.objects.create(
            product=p, external_id=f"F-{i}", severity="critical", found_at=at(5.8 * (i + 1))
        )
    out = StringIO()
    with pytest.raises(SystemExit):  # exit 1: no model fits
        call_command("warranty", "estimate", "flat", "--observed-until", "70.5", stdout=out)
    assert (
        f"Proposed warranty end: {GO_LIVE + timedelta(days=120)} "
        "(decided by max_days: not enough evidence for a forecast" in out.getvalue()
    )
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "warranty", "estimate", "flat", "--observed-until", "70.5", "--format", "json", stdout=out
        )
    assert json.loads(out.getvalue())["warranty"]["decided_by"] == "not enough evidence"


def test_policy_defaults_and_errors():
    p = services.Policy.of({})
    assert p.rate == pytest.approx(1 / 14) and p.severities == ("critical", "high")
    assert services.Policy.of({"threshold": {"defects": 2, "per": "1w"}}).rate == pytest.approx(2 / 7)
    with pytest.raises(services.PolicyError, match=r"threshold\.per"):
        services.Policy.of({"threshold": {"defects": 1, "per": "soon"}})
    with pytest.raises(services.PolicyError, match="severities"):
        services.Policy.of({"severities": ["urgent"]})


def test_page_shows_the_chart(product, client, django_user_model):
    user = django_user_model.objects.create_user("alice", "alice@example.com", "pw", is_superuser=True)
    client.force_login(user)
    response = client.get("/products/payments-api/warranty/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "proposed end" in body and 'class="obs"' in body
    w = services.assess_product(product=product)
    assert w.proposed_end.strftime("%-d %b %Y") in body
    partial = client.get("/products/payments-api/warranty/", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode() and "<svg" in partial.content.decode()
    assert client.get("/products/nope/warranty/").status_code == 404


def test_operate_gate_reflects_exit_met(product):
    from prodops.events.models import Defect
    from prodops.readiness.services import product_readiness

    def status() -> tuple[str, object]:
        r = product_readiness(product=product, gate="operate", now=NOW)
        c = next(c for c in r.criteria if c.id == "warranty-exit-data")
        assert c.severity == "blocking"
        return c.status, next(c for c in r.criteria if c.id == "warranty-forecast").status

    # At NOW the usable models disagree: the criterion fails, as the panel says "not met".
    assert status() == ("fail", "pass")
    assert not services.assess_product(product=product, now=NOW).exit_met
    Defect.objects.filter(external_id="later").delete()

    def status_at(now: datetime) -> str:
        r = product_readiness(product=product, gate="operate", now=now)
        return next(c for c in r.criteria if c.id == "warranty-exit-data").status

    assert status_at(at(110.5)) == "pass"
    Defect.objects.create(product=product, external_id="open", severity="high", found_at=at(70))
    exit_status = status_at(at(110.5))
    assert exit_status == "fail"
