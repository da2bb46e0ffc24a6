"""Races through a served instance (gunicorn, 4 workers) with real concurrent clients:
the product version check is a compare-and-set, and approvals of one transition are
serialised. The 2026-11-29 security audit (H1) found on PostgreSQL: two PATCHes with the
same version both 200 in 27-30 of 30 races (a lost update); both leads approving at once
left the transition pending for ever in 26 of 30; one lead approving three times at once
gave a 500 in 20 of 30. These run on both databases (SQLite serialises writers with
IMMEDIATE transactions; PostgreSQL needs the row locks).

Each round releases its requests together with a barrier, so they reach the server at
the same moment; no timing is asserted, only what the answers and the database say.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.served import Response, Server, served

ROUNDS = 30

SETUP = (
    f"ROUNDS = {ROUNDS}\n"
    """
import json
from django.contrib.auth import get_user_model
from django.db import transaction
from prodops.accounts.services import create_token, user_for_email
from prodops.catalog.models import Person, Product
from prodops.core.actors import Actor

actor = Actor.cli("race setup")
tokens = {}
with transaction.atomic():
    admin = get_user_model().objects.create_superuser("root", "root@example.com", None)
    tokens["root"] = create_token(actor=actor, user=admin, name="race")[1]
    for name in ("alice", "bob"):
        user, _ = user_for_email(actor=actor, email=f"{name}@example.com")
        tokens[name] = create_token(actor=actor, user=user, name="race")[1]
    alice = Person.objects.create(email="alice@example.com", name="Alice")
    bob = Person.objects.create(email="bob@example.com", name="Bob")
    Product.objects.create(slug="edited", name="Edited", build_lead=alice, run_lead=bob)
    for i in range(ROUNDS):
        for kind in ("both", "same"):
            Product.objects.create(
                slug=f"{kind}-{i}", name=f"{kind} {i}", build_lead=alice, run_lead=bob, stage="build"
            )
print(json.dumps(tokens))
"""
)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with served(setup=SETUP, workers=4) as running:
        yield running


def together(*calls: Callable[[], Response]) -> list[Response]:
    """Run the calls in threads released at the same moment; their answers in order."""
    barrier = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            answers[i] = calls[i]()
        except Exception as exc:  # a dropped connection is an answer too
            answers[i] = Response(599, repr(exc))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_two_patches_with_the_same_version_one_wins(server: Server) -> None:
    root = server.setup["root"]
    tally: Counter[tuple[int, int]] = Counter()
    for i in range(ROUNDS):
        by_header = i % 2 == 1  # half the races name the version with If-Match
        version = server.request("GET", "/api/v1/products/edited", root).body["version"]

        def patch(change: dict[str, Any], version: int = version, by_header: bool = by_header) -> Response:
            if by_header:
                return server.request(
                    "PATCH", "/api/v1/products/edited", root, change, {"If-Match": f'"{version}"'}
                )
            return server.request("PATCH", "/api/v1/products/edited", root, {**change, "version": version})

        a, b = together(
            lambda i=i: patch({"description": f"writer A, round {i}"}),
            lambda i=i: patch({"tags": [f"writer-b-{i}"]}),
        )
        loser = 412 if by_header else 409
        statuses = sorted([a.status, b.status])
        tally[(statuses[0], statuses[1])] += 1
        assert statuses == [200, loser], (i, a, b, server.log_tail())
        after = server.request("GET", "/api/v1/products/edited", root).body
        assert after["version"] == version + 1
        # only the winner's change is there; the loser changed nothing
        won_a = a.status == 200
        assert (after["description"] == f"writer A, round {i}") == won_a
        assert (after["tags"] == [f"writer-b-{i}"]) == (not won_a)
    print(f"PATCH races: {dict(tally)}")


def test_both_leads_approving_at_once_execute_the_move_once(server: Server) -> None:
    alice, bob = server.setup["alice"], server.setup["bob"]
    statuses: Counter[int] = Counter()
    for i in range(ROUNDS):
        slug = f"both-{i}"
        asked = server.request(
            "POST", f"/api/v1/products/{slug}/transitions", alice, {"to_stage": "plan", "reason": "race"}
        )
        assert asked.status == 201, asked
        tid = asked.body["id"]
        answers = together(
            lambda tid=tid: server.request("POST", f"/api/v1/transitions/{tid}/approve", alice),
            lambda tid=tid: server.request("POST", f"/api/v1/transitions/{tid}/approve", bob),
        )
        statuses.update(a.status for a in answers)
        assert [a.status for a in answers] == [200, 200], (i, answers, server.log_tail())
        final = server.request("GET", f"/api/v1/transitions/{tid}", alice).body
        assert final["status"] == "executed", (i, final)
        assert sorted(a["role"] for a in final["approvals"]) == ["build_lead", "run_lead"]
        assert server.request("GET", f"/api/v1/products/{slug}", alice).body["stage"] == "plan"
        executed = server.sql(
            "SELECT count(*) FROM audit_auditentry WHERE action = %s AND object_id = %s",
            "transition.execute",
            str(tid),
        )
        assert executed == [(1,)], (i, executed)
    print(f"approval races (both leads): {dict(statuses)}")


def test_one_lead_approving_three_times_at_once_never_fails(server: Server) -> None:
    alice = server.setup["alice"]
    statuses: Counter[int] = Counter()
    for i in range(ROUNDS):
        slug = f"same-{i}"
        asked = server.request(
            "POST", f"/api/v1/products/{slug}/transitions", alice, {"to_stage": "plan", "reason": "race"}
        )
        tid = asked.body["id"]
        answers = together(
            *[lambda tid=tid: server.request("POST", f"/api/v1/transitions/{tid}/approve", alice)] * 3
        )
        statuses.update(a.status for a in answers)
        assert all(a.status == 200 for a in answers), (i, answers, server.log_tail())
        final = server.request("GET", f"/api/v1/transitions/{tid}", alice).body
        assert final["status"] == "pending"
        assert [a["role"] for a in final["approvals"]] == ["build_lead"]
    print(f"approval races (one lead, 3x): {dict(statuses)}")
