"""A believable event history for the demo portfolio.

Every product past ``plan`` gets changes and deployments; products in production also
get incidents, tickets, on-call pages and usage. Products in warranty get defects whose
arrivals follow a Goel-Okumoto process since go-live (mean value a(1 - e^(-bt)), a = 40,
b = 0.03/day), so the warranty model has a decreasing arrival rate to fit.
"""

from __future__ import annotations

import hashlib
import math
import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.events import services
from prodops.events.records import Record

HISTORY_DAYS = 180
GO_A, GO_B = 40.0, 0.03  # Goel-Okumoto: expected total defects, detection rate per day


def _sha(*parts: Any) -> str:
    return hashlib.sha1("/".join(str(p) for p in parts).encode()).hexdigest()


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method; the demo's means are small.
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def goel_okumoto_times(rng: random.Random, *, a: float, b: float, days: float) -> list[float]:
    """Failure times (days since go-live) of a Goel-Okumoto NHPP observed for ``days``:
    N ~ Poisson(a(1 - e^(-b T))), each time drawn from the normalised intensity."""
    share = 1 - math.exp(-b * days)
    count = _poisson(rng, a * share)
    return sorted(-math.log(1 - rng.random() * share) / b for _ in range(count))


def _profile(product: Any) -> dict[str, float]:
    """Deployments per day and change failure odds by tier: tier-1 products ship most."""
    return {
        1: {"deploys": 1.6, "fail": 0.06, "incident": 0.04, "pages": 0.8},
        2: {"deploys": 0.7, "fail": 0.10, "incident": 0.06, "pages": 0.5},
        3: {"deploys": 0.3, "fail": 0.14, "incident": 0.08, "pages": 0.3},
    }.get(product.tier, {"deploys": 0.15, "fail": 0.2, "incident": 0.1, "pages": 0.2})


def _at(day: date, rng: random.Random, start_hour: int = 8, end_hour: int = 19) -> datetime:
    seconds = rng.randint(start_hour * 3600, end_hour * 3600)
    return datetime.combine(day, time.min, tzinfo=UTC) + timedelta(seconds=seconds)


def seed(*, actor: Actor, today: date, rng: random.Random) -> None:

    records: list[Record] = []
    for product in Product.objects.order_by("slug"):
        if product.stage in ("plan", "retire"):
            continue
        records.extend(_product_history(product, today=today, rng=rng))
    # Two events from a repository no product claims, to show the unmapped list.
    stray = datetime.combine(today - timedelta(days=3), time(10), tzinfo=UTC)
    records.append(
        Record(
            "deployment",
            "prodops",
            "demo-stray-1",
            {"deployed_at": stray, "sha": _sha("stray"), "environment": "production"},
            repo="https://git.example.com/sandbox/experiments",
        )
    )
    records.append(
        Record(
            "change",
            "prodops",
            _sha("stray"),
            {"sha": _sha("stray"), "committed_at": stray - timedelta(hours=5)},
            repo="https://git.example.com/sandbox/experiments",
        )
    )
    if records:
        services.ingest(records=list(enumerate(records, start=1)), actor=actor, description="demo history")


def _product_history(product: Any, *, today: date, rng: random.Random) -> list[Record]:
    slug = product.slug
    profile = _profile(product)
    in_production = product.stage in ("pilot", "warranty", "operate")
    go_live = product.go_live or (today - timedelta(days=120))
    first_day = today - timedelta(days=HISTORY_DAYS)
    records: list[Record] = []

    def rec(kind: Any, external_id: str, **fields: Any) -> None:
        records.append(Record(kind, "prodops", f"demo-{slug}-{external_id}", fields, product=slug))

    # Changes and deployments: commits accumulate, a deployment ships what came before it.
    pending: list[tuple[str, datetime]] = []
    day = first_day
    n = 0
    while day <= today:
        for _ in range(_poisson(rng, 2.5 if day.weekday() < 5 else 0.3)):
            at = _at(day, rng, 7, 20)
            sha = _sha(slug, "commit", at.isoformat(), rng.random())
            pending.append((sha, at))
        # Products that reached production deploy there all along (dark launches before
        # go-live); products still in build deploy to staging only.
        prod_today = in_production
        deploys_today = _poisson(rng, profile["deploys"] if day.weekday() < 5 else profile["deploys"] / 5)
        for _ in range(deploys_today):
            at = _at(day, rng, 9, 18)
            shipped = [(s, t) for s, t in pending if t < at]
            if not shipped:
                continue
            pending = [(s, t) for s, t in pending if t >= at]
            n += 1
            head = shipped[-1][0]
            for sha, committed in shipped:
                rec("change", sha, sha=sha, committed_at=committed, push_sha=head)
            environment = "production" if prod_today else "staging"
            failed = rng.random() < profile["fail"]
            rec(
                "deployment",
                f"d{n}",
                environment=environment,
                deployed_at=at,
                sha=head,
                version=f"1.{n // 20}.{n % 20}",
                status="failure" if failed else "success",
            )
            if failed and environment == "production":
                n += 1
                fix_at = at + timedelta(minutes=rng.randint(20, 300))
                rec(
                    "deployment",
                    f"d{n}",
                    environment=environment,
                    deployed_at=fix_at,
                    sha=head,
                    version=f"1.{n // 20}.{n % 20}",
                    status="success",
                    rework=True,
                )
            elif environment == "production" and rng.random() < profile["incident"]:
                opened = at + timedelta(minutes=rng.randint(10, 600))
                resolved = opened + timedelta(minutes=rng.randint(15, 720))
                rec(
                    "incident",
                    f"i{n}",
                    title=f"Errors after release 1.{n // 20}.{n % 20}",
                    severity=rng.choice([1, 2, 2, 3, 3, 3, 4]),
                    opened_at=opened,
                    resolved_at=resolved if resolved.date() < today else None,
                    root_cause_sha=shipped[0][0],
                )
                rec(
                    "page",
                    f"i{n}",
                    title=f"{slug}: error rate high",
                    triggered_at=opened,
                    resolved_at=resolved,
                )
        day += timedelta(days=1)

    if not in_production:
        return records

    # On-call pages, support tickets and usage since go-live.
    live_days = max((today - go_live).days, 0)
    for i in range(live_days):
        day = go_live + timedelta(days=i)
        for j in range(_poisson(rng, profile["pages"] * 2)):
            at = _at(day, rng, 0, 23)
            rec(
                "page",
                f"p{i}-{j}",
                title=f"{slug}: latency above SLO",
                triggered_at=at,
                resolved_at=at + timedelta(minutes=rng.randint(5, 90)),
            )
        for j in range(_poisson(rng, 1.5 if day.weekday() < 5 else 0.4)):
            at = _at(day, rng)
            closed = at + timedelta(hours=rng.randint(1, 72))
            rec(
                "ticket",
                f"t{i}-{j}",
                opened_at=at,
                closed_at=closed if closed.date() < today else None,
                handle_minutes=round(rng.uniform(10, 120), 1),
            )
        users = int(200 + 40 * i**0.7 + rng.randint(-25, 25))
        records.append(Record("usage", "prodops", "", {"date": day, "active_users": users}, product=slug))

    # Defects since go-live; in warranty they arrive as a Goel-Okumoto process.
    a = GO_A if product.stage == "warranty" else GO_A / 2
    for k, found_day in enumerate(goel_okumoto_times(rng, a=a, b=GO_B, days=live_days)):
        found = datetime.combine(go_live, time.min, tzinfo=UTC) + timedelta(days=found_day)
        fixed = found + timedelta(days=rng.expovariate(1 / 6))
        severity = rng.choices(["critical", "high", "medium", "low"], weights=[1, 3, 4, 2])[0]
        rec(
            "defect",
            f"b{k}",
            title=f"Defect {k + 1} found in {product.name}",
            severity=severity,
            found_at=found,
            fixed_at=fixed if fixed.date() < today else None,
        )
    return records
