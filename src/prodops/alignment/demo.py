"""Alignment surveys for the demo: stakeholders who agree (checkout-web), who do not
(loyalty-app), and a product that came to agree in a second round (payments-api).

The answers are recorded by the demo operator on each stakeholder's behalf, with a
reason (an audited override of the rule "answer for yourself only")."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from prodops.alignment import services
from prodops.catalog.models import Product, Stakeholder
from prodops.core.actors import Actor

ORDERS = {
    # function → ranking of (delight, adoption, retention, support)
    "agree": {
        "design": (1, 2, 3, 4),
        "sales": (2, 1, 3, 4),
        "marketing": (1, 2, 3, 4),
        "customer service": (1, 2, 4, 3),
        "analytics": (1, 2, 3, 4),
    },
    "disagree": {
        "marketing": (3, 1, 2, 4),
        "design": (1, 4, 3, 2),
        "analytics": (4, 3, 1, 2),
        "sales": (2, 1, 4, 3),
    },
}
NORTH_STARS = {
    "design": "Checkout so smooth nobody notices it",
    "sales": "More merchants live every month",
    "marketing": "Members come back every week",
    "customer service": "Every question answered in one contact",
    "analytics": "Retention we can predict",
}
ITEMS = ("delight", "adoption", "retention", "support")


def _answer(
    actor: Actor, product: Product, stakeholder: Stakeholder, order: tuple[int, ...], at: datetime
) -> None:
    services.answer(
        actor=actor,
        product=product,
        person=stakeholder.person.email,
        function=stakeholder.function,
        ranking=dict(zip(ITEMS, order, strict=True)),
        north_star=NORTH_STARS.get(stakeholder.function, ""),
        answered_at=at,
    )


def seed(*, actor: Actor, today: date, rng: random.Random) -> None:
    operator = Actor.cli("demo").with_reason("demo data: answers recorded on the stakeholders' behalf")
    start = datetime.combine(today - timedelta(days=60), time(10), tzinfo=UTC)
    plans = [("checkout-web", "agree"), ("loyalty-app", "disagree")]
    for slug, mood in plans:
        product = Product.objects.filter(slug=slug).first()
        if product is None:
            continue
        for n, stakeholder in enumerate(Stakeholder.objects.filter(product=product).select_related("person")):
            order = ORDERS[mood].get(stakeholder.function, (1, 2, 3, 4))
            _answer(
                operator, product, stakeholder, order, start + timedelta(days=3 * n, hours=rng.randint(0, 6))
            )
    # payments-api: the functions disagreed in the first round, and agreed after meeting.
    product = Product.objects.filter(slug="payments-api").first()
    if product is None:
        return
    people = list(Stakeholder.objects.filter(product=product).select_related("person"))
    first = [(4, 1, 2, 3), (1, 3, 4, 2), (2, 4, 1, 3)]
    for n, stakeholder in enumerate(people):
        _answer(operator, product, stakeholder, first[n % len(first)], start + timedelta(days=2 * n))
    services.open_round(actor=operator, product=product, opened_at=start + timedelta(days=30))
    second = [(2, 1, 3, 4), (1, 2, 3, 4), (2, 1, 4, 3)]
    for n, stakeholder in enumerate(people):
        _answer(operator, product, stakeholder, second[n % len(second)], start + timedelta(days=32 + 2 * n))
