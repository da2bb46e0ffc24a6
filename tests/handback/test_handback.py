"""Handback: operating load from imported PagerDuty-shaped and CSV events, the SRE-book
limits, the proposal both leads decide, and the trigger clearing when load falls."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from prodops.core.tasks import jobs
from prodops.events.models import Page
from prodops.handback import load as loadmath
from prodops.handback import services
from prodops.handback.models import Watch
from prodops.lifecycle import services as lifecycle
from prodops.lifecycle.models import Transition
from tests.events.conftest import payload

NOW = datetime(2026, 11, 30, 6, tzinfo=UTC)
PD_SERVICE = "PF9KMXH"  # the service of tests/events/payloads/pagerduty_incident_resolved.json


def _at(shift: int, k: int, now: datetime = NOW) -> datetime:
    """The k-th page of shift ``shift`` (0 = the oldest of the 56 ending at ``now``)."""
    return now - loadmath.WINDOW + loadmath.SHIFT * shift + timedelta(hours=1, minutes=10 * k)


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def pagerduty_file(tmp_path, name: str, per_shift: int, service: str = PD_SERVICE) -> str:
    """Recorded PagerDuty v3 deliveries (the real-shaped resolved payload, one incident
    per page), ``per_shift`` in each of the last 56 twelve-hour shifts, 20 minutes each."""
    template = payload("pagerduty_incident_resolved.json")
    lines = []
    for shift in range(loadmath.SHIFTS):
        for k in range(per_shift):
            body = copy.deepcopy(template)
            opened = _at(shift, k)
            body["event"]["id"] = f"EV{name}{shift}-{k}"
            body["event"]["occurred_at"] = _iso(opened + timedelta(minutes=20))
            body["event"]["data"]["id"] = f"P{name}{shift}-{k}"
            body["event"]["data"]["created_at"] = _iso(opened)
            body["event"]["data"]["service"]["id"] = service
            lines.append(
                json.dumps({"event": "incident.resolved", "delivery": body["event"]["id"], "payload": body})
            )
    path = tmp_path / f"{name}.ndjson"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def csv_file(tmp_path, slug: str, per_shift: int) -> str:
    rows = ["type,id,product,title,triggered_at,resolved_at"]
    for shift in range(loadmath.SHIFTS):
        for k in range(per_shift):
            opened = _at(shift, k)
            rows.append(
                f"page,{slug}-{shift}-{k},{slug},disk full,"
                f"{_iso(opened)},{_iso(opened + timedelta(minutes=15))}"
            )
    path = tmp_path / f"{slug}.csv"
    path.write_text("\n".join(rows) + "\n")
    return str(path)


@pytest.fixture
def run_team(db):
    from prodops.catalog.models import Team

    return Team.objects.create(slug="ops", name="Ops", kind="run", capacity_hours_per_week=160)


def _operate(make_product, slug: str, run_team, **fields):
    return make_product(slug, stage="operate", run_team=run_team, **fields)


def _facts(product, now=NOW) -> dict:
    from prodops.core.facts import compute

    return compute([product.pk], now)[product.pk]


# ------------------------------------------------------------------ the pure definitions


def test_load_definitions_on_a_hand_built_window():
    key = iter(range(1000))

    def item(at, minutes=None):
        return loadmath.Interruption(
            ("x", str(next(key))), at, at + timedelta(minutes=minutes) if minutes else None
        )

    pages = [item(_at(s, 0), 30) for s in range(50)] + [item(_at(55, k), 30) for k in range(6)]
    pages.append(item(NOW - loadmath.WINDOW - timedelta(minutes=1), 30))  # outside the window
    incident = loadmath.Interruption(pages[0].key, pages[0].start, None)  # the same event as page 0
    load = loadmath.compute(
        now=NOW, incidents=[incident], pages=pages, ticket_minutes=[90, None, 30], capacity_hours_per_week=40
    )
    assert load.pages == 56 and load.pages_per_shift == 1.0
    # 50 shifts with 1 page, 5 with 0, one with 6: the 51st smallest of 56 is 1.
    assert load.pages_per_shift_p90 == 1
    assert load.incidents_per_shift_max == 1
    # Incident: open until now, capped at 12 h; its page counts once; 55 other pages x 0.5 h;
    # tickets 2 h: (12 + 27.5 + 2) / 4 weeks.
    assert load.interrupt_hours_per_week == pytest.approx((12 + 27.5 + 2) / 4)
    assert load.load_share == pytest.approx(load.interrupt_hours_per_week / 40)
    assert loadmath.nearest_rank([5, 1, 3, 2, 4], 0.9) == 5
    assert loadmath.nearest_rank([5, 1, 3, 2, 4], 0.5) == 3


def test_assess_uses_the_sre_limits_strictly_above():
    at_limit = loadmath.Load(112, 2.0, 2, 0, 10.0, 0.5)
    assert loadmath.assess(at_limit, max_pages_per_shift=2, max_load_share=0.5) == []
    over = loadmath.Load(113, 113 / 56, 3, 0, 10.0, 0.51)
    reasons = loadmath.assess(over, max_pages_per_shift=2, max_load_share=0.5)
    assert len(reasons) == 2 and "SRE book ch. 11" in reasons[0] and "51%" in reasons[1]


# ------------------------------------------------------------------ from imported events


def test_triggered_at_three_pages_per_shift_not_at_one_from_pagerduty(
    make_product, run_team, prodops, tmp_path
):
    import prodops.handback.services as hs

    busy = _operate(make_product, "busy", run_team, integrations={"pagerduty_service": "PBUSY01"})
    calm = _operate(make_product, "calm", run_team, integrations={"pagerduty_service": "PCALM01"})
    for name, per_shift, service in (("busy", 3, "PBUSY01"), ("calm", 1, "PCALM01")):
        code, _, err = prodops(
            "events", "import", pagerduty_file(tmp_path, name, per_shift, service), "--source", "pagerduty"
        )
        assert code == 0, err
    assert Page.objects.filter(product=busy).count() == 168
    busy_facts, calm_facts = _facts(busy), _facts(calm)
    assert busy_facts["ops.pages_per_shift"] == 3.0 and busy_facts["ops.pages_per_shift_p90"] == 3
    assert busy_facts["ops.incidents_per_shift_max"] == 3
    # Each PagerDuty incident is also a page; 20 minutes each, counted once: 168/3 h over 4 weeks.
    assert busy_facts["ops.interrupt_hours_per_week"] == pytest.approx(168 * 20 / 60 / 4)
    assert busy_facts["ops.load_share"] == pytest.approx(14 / 160)
    assert busy_facts["handback.triggered"] is True
    assert "3.00 pages per 12-hour shift" in busy_facts["handback.reasons"][0]
    assert calm_facts["ops.pages_per_shift"] == 1.0
    assert calm_facts["handback.triggered"] is False and calm_facts["handback.reasons"] == []
    assert hs.assess([busy.pk], NOW)[busy.pk].triggered


def test_triggered_at_three_pages_per_shift_not_at_one_from_csv(
    db, make_product, run_team, prodops, tmp_path
):
    busy = _operate(make_product, "busy", run_team)
    calm = _operate(make_product, "calm", run_team)
    for slug, n in (("busy", 3), ("calm", 1)):
        code, _, err = prodops("events", "import", csv_file(tmp_path, slug, n))
        assert code == 0, err
    assert _facts(busy)["handback.triggered"] is True
    assert _facts(calm)["handback.triggered"] is False
    # Not watched outside the policy's stages: the same load in build does not trigger.
    busy.stage = "build"
    busy.save()
    facts = _facts(busy)
    assert facts["ops.pages_per_shift"] == 3.0 and facts["handback.triggered"] is False


def test_load_share_over_half_the_run_teams_time_triggers(db, make_product, run_team):
    from prodops.events.models import Ticket

    product = _operate(make_product, "toil", run_team)
    run_team.capacity_hours_per_week = 20
    run_team.save()
    # 44 h of tickets in 28 days: 11 h/week = 55% of 20 h.
    for i in range(44):
        Ticket.objects.create(product=product, external_id=f"t{i}", opened_at=_at(i, 0), handle_minutes=60)
    facts = _facts(product)
    assert facts["ops.load_share"] == pytest.approx(0.55)
    assert facts["handback.triggered"] is True and "55%" in facts["handback.reasons"][0]


def test_a_standard_sets_its_own_policy(db, make_product, run_team, actor):
    from prodops.core.errors import InvalidInput
    from prodops.readiness.services import ReadinessError, apply_standard

    spec = {
        "criteria": [{"id": "x", "gate": "build", "rule": "owners.complete"}],
        "handback": {"max_pages_per_shift": 5},
    }
    apply_standard(actor=actor, slug="lenient", name="Lenient", spec=spec)
    product = _operate(make_product, "busy", run_team, standard="lenient")
    for shift in range(56):
        for k in range(3):
            at = _at(shift, k)
            Page.objects.create(
                product=product,
                external_id=f"{shift}-{k}",
                triggered_at=at,
                resolved_at=at + timedelta(minutes=5),
            )
    assert _facts(product)["handback.triggered"] is False
    with pytest.raises((ReadinessError, InvalidInput)) as exc:
        apply_standard(actor=actor, slug="bad", name="Bad", spec={**spec, "handback": {"to": "moon"}})
    assert "handback.to" in str(exc.value.field)


# ------------------------------------------------------------------ the proposal


def _pages(product, *, per_shift: int, days: int, end: datetime, prefix: str = "p") -> None:
    start = end - timedelta(days=days)
    rows = []
    for shift in range(days * 2):
        for k in range(per_shift):
            at = start + loadmath.SHIFT * shift + timedelta(hours=1, minutes=10 * k)
            rows.append(
                Page(
                    product=product,
                    external_id=f"{prefix}{shift}-{k}",
                    triggered_at=at,
                    resolved_at=at + timedelta(minutes=20),
                )
            )
    Page.objects.bulk_create(rows)


def test_proposal_after_seven_days_needs_both_leads(db, make_product, run_team, people):
    product = _operate(make_product, "busy", run_team)
    _pages(product, per_shift=3, days=40, end=NOW + timedelta(days=8))
    check = jobs()["handback.check"].func
    check(NOW)
    watch = Watch.objects.get(product=product)
    assert watch.triggered_since == NOW and watch.proposal is None
    check(NOW + timedelta(days=6, hours=23))
    assert not Transition.objects.filter(product=product).exists()
    assert services.flagged() == {}
    check(NOW + timedelta(days=7))
    proposal = Transition.objects.get(product=product)
    assert proposal.kind == "handback" and proposal.to_stage == "warranty" and proposal.status == "pending"
    assert proposal.requested_by == "task:handback" and "pages per 12-hour shift" in proposal.reason
    assert list(services.flagged()) == [product.pk]
    check(NOW + timedelta(days=7, hours=1))  # idempotent: no second proposal
    assert Transition.objects.filter(product=product).count() == 1
    lifecycle.approve_transition(actor=people["alice"], transition=proposal)
    proposal.refresh_from_db()
    assert proposal.status == "pending"  # one lead is not enough
    lifecycle.approve_transition(actor=people["bob"], transition=proposal)
    proposal.refresh_from_db()
    product.refresh_from_db()
    assert proposal.status == "executed" and product.stage == "warranty"
    check(NOW + timedelta(days=7, hours=2))
    assert services.flagged() == {}
    assert Watch.objects.get(product=product).proposal is None


def test_proposal_rejected_with_a_reason_clears_the_flag(db, make_product, run_team, people):
    from prodops.notifications.models import Notification

    product = _operate(make_product, "busy", run_team)
    _pages(product, per_shift=3, days=40, end=NOW + timedelta(days=8))
    check = jobs()["handback.check"].func
    check(NOW)
    check(NOW + timedelta(days=7))
    proposal = Transition.objects.get(product=product)
    assert Notification.objects.filter(event="handback.proposed", product=product).count() == 1
    with pytest.raises(Exception):  # noqa: B017 - a rejection needs a reason (TransitionError or InvalidInput)
        lifecycle.reject_transition(actor=people["bob"], transition=proposal, reason=" ")
    lifecycle.reject_transition(actor=people["bob"], transition=proposal, reason="a fix ships Monday")
    check(NOW + timedelta(days=7, hours=1))
    assert services.flagged() == {}
    watch = Watch.objects.get(product=product)
    # Still over the limits: the clock starts again from the rejection's check.
    assert watch.triggered_since == NOW + timedelta(days=7, hours=1)


def test_trigger_clears_and_the_proposal_is_withdrawn_when_load_falls(db, make_product, run_team):
    product = _operate(make_product, "busy", run_team)
    # Three pages a shift until day 7, then one a shift.
    _pages(product, per_shift=3, days=28, end=NOW + timedelta(days=7))
    _pages(product, per_shift=1, days=60, end=NOW + timedelta(days=60), prefix="q")
    check = jobs()["handback.check"].func
    check(NOW)
    check(NOW + timedelta(days=7))
    proposal = Transition.objects.get(product=product)
    assert list(services.flagged()) == [product.pk]
    later = NOW + timedelta(days=40)
    assert _facts(product, later)["handback.triggered"] is False
    check(later)
    proposal.refresh_from_db()
    assert proposal.status == "cancelled"
    assert services.flagged() == {}
    assert Watch.objects.get(product=product).triggered_since is None


# ------------------------------------------------------------------ prodops facts --product


def test_facts_command_prints_a_products_values(db, make_product, run_team, prodops):
    product = _operate(make_product, "busy", run_team)
    _pages(product, per_shift=3, days=28, end=datetime.now(UTC))
    code, out, _ = prodops("facts", "--product", "busy", "--format", "json")
    assert code == 0
    values = json.loads(out)
    assert values["ops.pages_per_shift"] == pytest.approx(3.0, abs=0.06)
    assert values["handback.triggered"] is True and values["owners.complete"] is True
    code, out, _ = prodops("facts", "--product", "busy")
    assert code == 0 and "handback.triggered" in out and "true" in out
    code, _, err = prodops("facts", "--product", "nope")
    assert code == 2 and "nope" in err


def test_dashboard_shows_the_flag_until_the_leads_decide(db, make_product, run_team, people, client):
    product = _operate(make_product, "busy", run_team)
    _pages(product, per_shift=3, days=40, end=NOW + timedelta(days=8))
    check = jobs()["handback.check"].func
    check(NOW)
    check(NOW + timedelta(days=7))
    client.force_login(people["bob"].user)
    page = client.get("/").content.decode()
    assert "Flagged for handback" in page and "handback proposed" in page and "Busy" in page
    proposal = Transition.objects.get(product=product)
    lifecycle.reject_transition(actor=people["bob"], transition=proposal, reason="fix ships Monday")
    page = client.get("/").content.decode()
    assert "handback proposed" not in page


# ------------------------------------------------------------------ the batch query


def test_window_bounds_and_batches_of_2_and_40_as_one_at_a_time(db, make_product, run_team):
    """Incidents, pages and tickets come from one prepared query over [now - 28 days,
    now): at the window's start counts, at ``now`` does not (tickets are not filtered
    again in Python, so their bounds are the query's). Every product of a batch of 2 and
    of 40 (longer than the compiled forms kept) gets what it gets alone, with and
    without the fact batch's context, and a later ``now`` gets its own window."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from prodops.core.facts import compute
    from prodops.events.models import Incident, Ticket

    since = NOW - loadmath.WINDOW
    second = timedelta(seconds=1)
    products = [_operate(make_product, f"p{i}", run_team) for i in range(40)]
    pages, incidents, tickets = [], [], []
    for i, product in enumerate(products):

        def page(ext, at, minutes, product=product):
            pages.append(
                Page(
                    product=product,
                    external_id=ext,
                    triggered_at=at,
                    resolved_at=at + timedelta(minutes=minutes),
                )
            )

        page(f"start{i}", since, 15)
        page(f"now{i}", NOW, 15)
        page(f"old{i}", since - second, 15)
        for k in range(i % 4):
            page(f"k{i}-{k}", _at(3 * k + 1, 0), 30)
        # An open incident and its own page (same source and id): its time counts once.
        opened = NOW - timedelta(hours=i + 1)
        incidents.append(Incident(product=product, external_id=f"e{i}", severity=1, opened_at=opened))
        page(f"e{i}", opened, 5)
        for ext, at, minutes in (
            ("start", since, i + 1),
            ("last", NOW - second, 60),
            ("none", NOW - timedelta(hours=1), None),
            ("now", NOW, 1000),
            ("old", since - second, 2000),
        ):
            tickets.append(
                Ticket(product=product, external_id=f"{ext}{i}", opened_at=at, handle_minutes=minutes)
            )
    Page.objects.bulk_create(pages)
    Incident.objects.bulk_create(incidents)
    Ticket.objects.bulk_create(tickets)

    ids = [p.pk for p in products]
    alone = {pid: services.assess([pid], NOW)[pid] for pid in ids}
    for i, pid in enumerate(ids):
        load = alone[pid].load
        assert load.pages == 2 + i % 4 and load.incidents_per_shift_max == 1
        hours = 0.25 + 0.5 * (i % 4) + min(i + 1, 12) + (i + 1 + 60) / 60
        assert load.interrupt_hours_per_week == pytest.approx(hours / 4)
        assert load.load_share == pytest.approx(hours / 4 / 160)
    for batch in (ids[:2], ids[1:3], ids):
        assert services.assess(batch, NOW) == {pid: alone[pid] for pid in batch}
        facts = compute(batch, NOW)
        assert all(facts[pid].items() >= services.fact_values(alone[pid]).items() for pid in batch)
    later = services.assess(ids, NOW + timedelta(days=29))
    assert all(a.load.pages == 0 and a.load.interrupt_hours_per_week == 0 for a in later.values())
    with CaptureQueriesContext(connection) as ctx:
        assert services.assess([], NOW) == {}
    assert ctx.captured_queries == []
