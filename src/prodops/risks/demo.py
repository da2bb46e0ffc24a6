"""Demo data: risks and known errors. Later stages have mitigated or accepted their high
risks and recorded workarounds; a pilot product keeps an open high risk and a known
error without a workaround, so readiness shows what blocks it."""

from __future__ import annotations

import random
from datetime import date, timedelta

from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.risks import services

STAGE_RANK = {"plan": 0, "build": 1, "pilot": 2, "warranty": 3, "operate": 4, "retire": 5}

RISKS = [
    # title, likelihood, impact, mitigation
    (
        "Third-party dependency rate-limits peak traffic",
        4,
        4,
        "Queue requests and back off; agree a higher quota",
    ),
    (
        "Support team lacks on-call experience with the product",
        3,
        5,
        "Shadow on-call for two weeks before go-live",
    ),
    (
        "Single database instance without tested restore",
        2,
        5,
        "Quarterly restore drill; replica in a second zone",
    ),
    ("Release process depends on one engineer", 3, 3, "Document the pipeline; pair on the next two releases"),
]
KNOWN_ERRORS = [
    # title, symptom, cause, workaround
    (
        "Timeout on large exports",
        "Exports of more than 50,000 rows time out after 60 seconds and the user sees an error page",
        "The export runs in the web request",
        "Split the export by month, or ask support to run it from the admin console",
    ),
    (
        "Duplicate charge after retry",
        "Customer is charged twice when the payment page is refreshed during checkout",
        "The retry is not idempotent",
        "",
    ),
    (
        "Stale cache after deploy",
        "Users see the previous version's menu for up to 10 minutes after a release",
        "The CDN cache is not purged on deploy",
        "Purge the CDN cache from the dashboard after each release",
    ),
]


def seed(*, actor: Actor, today: date, rng: random.Random) -> None:
    for index, product in enumerate(
        Product.objects.select_related("run_lead", "build_lead").order_by("slug")
    ):
        rank = STAGE_RANK.get(product.stage, 0)
        if rank == 0:
            continue
        for n, (title, likelihood, impact, mitigation) in enumerate(RISKS[: 2 + rank % 3]):
            status = "open"
            if rank >= 3:
                status = "mitigating" if n % 2 == 0 else "accepted"
            elif rank == 2 and n == 0 and index % 2 == 1:
                status = "mitigating"
            if product.stage == "retire":
                status = "closed"
            review = today + timedelta(days=rng.randint(10, 80))
            if n == 2 and index % 3 == 0:
                review = today - timedelta(days=rng.randint(3, 30))  # overdue on purpose
            services.create_risk(
                actor=actor,
                product=product,
                title=title,
                likelihood=likelihood,
                impact=impact,
                mitigation=mitigation if status != "open" or n % 2 else "",
                status=status,
                owner_email=(product.run_lead if n % 2 else product.build_lead).email,
                next_review=review,
            )
        if rank < 2:
            continue
        for n, (title, symptom, cause, known_workaround) in enumerate(KNOWN_ERRORS):
            workaround = known_workaround
            if n == 1 and rank >= 4:
                workaround = "Refund the second charge from the payment console; fixed in the next release"
            if n == 2 and rank == 2:
                continue
            services.create_known_error(
                actor=actor,
                product=product,
                title=title,
                symptom=symptom,
                cause=cause,
                workaround=workaround,
                defect_id=f"{product.slug.upper()[:4]}-{100 + index * 10 + n}",
            )
