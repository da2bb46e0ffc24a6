"""The pilot statuses (and so the ``pilot.*`` facts) of a batch are each product's status
alone: 20 products (more than a prepared query keeps compiled), 2, and 1, with
observations, feedback, decisions (the latest not superseded counts, with its own
signatures in order) and events metrics counted since each plan's start over its
user-days. Expected counts are made here in Python, not read from the service."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from prodops.events.models import Incident, Ticket, Usage
from prodops.pilots import services
from prodops.pilots.facts import pilot_facts
from prodops.pilots.models import Decision, DecisionSignature, Feedback, Observation
from tests.pilots.conftest import PLAN

NOW = timezone.make_aware(datetime(2026, 11, 30, 12, 0, 0, 250000))

EVENT_CRITERIA = [
    {"id": "ev-incidents", "metric": "events.incidents", "kind": "rate", "per": 1000, "threshold": 5},
    {"id": "ev-tickets", "metric": "events.tickets", "kind": "rate", "per": 1000, "threshold": 50},
]


def _portfolio(make_product: Any, actor: Any, count: int) -> tuple[list[int], dict[int, dict[str, Any]]]:
    rng = random.Random(3)
    ids, expected = [], {}
    for i in range(count):
        start = date(2026, 11, 1) + timedelta(days=i % 7)
        product = make_product(f"p-{i}", stage="pilot")
        plan = {**PLAN, "start": start.isoformat(), "criteria": [*PLAN["criteria"], *EVENT_CRITERIA]}
        services.set_plan(actor=actor, product=product, plan=plan)
        for k in range(rng.randrange(0, 4)):
            Observation.objects.create(
                product=product,
                metric="checkout-ok",
                cohort=rng.choice(["staff", "control", ""]),
                successes=rng.randrange(50, 100),
                trials=100,
                users=rng.randrange(1, 900),
                observed_at=NOW - timedelta(hours=k),
                recorded_by="t",
            )
        for k in range(rng.randrange(0, 3)):
            Feedback.objects.create(product=product, author=f"u{k}", rating=rng.randint(1, 5), created_at=NOW)
        # Usage before, at and after the window's ends.
        user_days = 0
        for day in (
            start - timedelta(days=1),
            start,
            start + timedelta(days=3),
            NOW.date(),
            NOW.date() + timedelta(days=1),
        ):
            users = rng.randrange(0, 300) if i % 4 else 0
            Usage.objects.create(product=product, date=day, active_users=users)
            user_days += users if start <= day <= NOW.date() else 0
        # Incidents at the pilot's start (midnight, counted) and just before; tickets to now.
        begins = timezone.make_aware(datetime.combine(start, time()))
        incidents = tickets = 0
        for k, at in enumerate([begins, begins - timedelta(microseconds=1), NOW, NOW + timedelta(seconds=1)]):
            if rng.random() < 0.7:
                Incident.objects.create(product=product, external_id=f"i{i}-{k}", severity=3, opened_at=at)
                incidents += begins <= at <= NOW
            if rng.random() < 0.7:
                Ticket.objects.create(product=product, external_id=f"t{i}-{k}", opened_at=at)
                tickets += begins <= at <= NOW
        signatures: list[str] = []
        decision = None
        for k in range(i % 3):
            status = rng.choice([Decision.Status.PENDING, Decision.Status.SIGNED, Decision.Status.SUPERSEDED])
            made = Decision.objects.create(
                product=product,
                outcome=rng.choice(list(Decision.Outcome)),
                status=status,
                snapshot={},
                proposed_by="alice@example.com",
                proposed_at=NOW - timedelta(days=k),  # the first is the newest
                signed_at=NOW - timedelta(days=k) if status == Decision.Status.SIGNED else None,
            )
            roles = ["run_lead", "build_lead"][: rng.randrange(0, 3)]
            for n, role in enumerate(roles):
                DecisionSignature.objects.create(
                    decision=made, role=role, actor=f"{role}@example.com", at=NOW - timedelta(minutes=n)
                )
            if decision is None and status != Decision.Status.SUPERSEDED:
                decision = made
                signatures = list(reversed(roles))  # by time
        ids.append(product.pk)
        expected[product.pk] = {
            "user_days": user_days,
            "incidents": incidents,
            "tickets": tickets,
            "decision": decision.pk if decision else None,
            "signatures": signatures,
        }
    return ids, expected


def test_a_batch_and_each_product_alone_give_the_same_statuses(make_product, actor):
    ids, expected = _portfolio(make_product, actor, 20)
    batch = services.statuses(ids, NOW)
    assert set(batch) == set(ids)
    for pid in ids:
        status, want = batch[pid], expected[pid]
        criteria = {c["id"]: c for c in status["criteria"]}
        for crit, counted in (("ev-incidents", "incidents"), ("ev-tickets", "tickets")):
            if want["user_days"]:
                assert criteria[crit]["n"] == want["user_days"], (pid, crit)
                assert math.isclose(criteria[crit]["estimate"], 1000 * want[counted] / want["user_days"])
            else:
                assert criteria[crit]["status"] == "no_data"
        decision = status["decision"]
        assert (decision["id"] if decision else None) == want["decision"]
        assert ([s["role"] for s in decision["signatures"]] if decision else []) == want["signatures"]
    assert any(w["user_days"] and w["incidents"] for w in expected.values())
    assert any(w["signatures"] for w in expected.values())
    assert services.statuses(ids[5:7], NOW) == {pid: batch[pid] for pid in ids[5:7]}
    for pid in ids:
        with CaptureQueriesContext(connection) as queries:
            assert services.statuses([pid], NOW) == {pid: batch[pid]}
        # Plan, observations, decisions (and the latest one's signatures), feedback, and
        # the usage and events since the start in one query.
        assert len(queries) == (6 if batch[pid]["decision"] else 5), [q["sql"] for q in queries]
    assert pilot_facts(ids, NOW) == {pid: services.fact_values(batch[pid]) for pid in ids}


def test_an_empty_batch_and_a_product_without_a_plan_read_little(make_product):
    product = make_product("no-plan")
    with CaptureQueriesContext(connection) as queries:
        assert pilot_facts([], NOW) == {}
    assert len(queries) == 0
    with CaptureQueriesContext(connection) as queries:
        assert pilot_facts([product.pk], NOW) == {}
    assert len(queries) == 1
