"""The alignment survey: answering (for oneself only), opening rounds, and Kendall's W
of the current answers (``alignment.kendall`` does the statistics)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from prodops.accounts import policy
from prodops.alignment import kendall
from prodops.alignment.models import ITEMS, Response, Round
from prodops.audit.services import record as audit
from prodops.catalog.models import Person, Product, Stakeholder
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, NotFound, Refused
from prodops.core.signals import notify_facts_changed

NORTH_STAR_LIMIT = 2000


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput("must be text", field=field)
    if "\x00" in value:
        raise InvalidInput("must not contain NUL characters", field=field)
    text = value.strip()
    if len(text) > limit:
        raise InvalidInput(f"longer than {limit} characters", field=field)
    if required and not text:
        raise InvalidInput("is required", field=field)
    return text


def validate_ranking(raw: Any) -> dict[str, int]:
    """``{item: 1..4}`` for exactly the four aims; equal numbers are ties."""
    if not isinstance(raw, dict):
        raise InvalidInput(f"must be an object ranking {', '.join(ITEMS)}", field="ranking")
    unknown = sorted(set(map(str, raw)) - set(ITEMS))
    if unknown:
        raise InvalidInput(f"unknown aim (known: {', '.join(ITEMS)})", field=f"ranking.{unknown[0]}")
    ranking: dict[str, int] = {}
    for item in ITEMS:
        value = raw.get(item)
        if value is None or value == "":
            raise InvalidInput("is required: rank every aim (equal numbers tie)", field=f"ranking.{item}")
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= len(ITEMS):
            raise InvalidInput(f"must be a whole number from 1 to {len(ITEMS)}", field=f"ranking.{item}")
        ranking[item] = value
    return ranking


def person_of(actor: Actor) -> Person:
    """The Person of the signed-in user or token user, matched by email."""
    email = actor.email
    person = Person.objects.filter(email__iexact=email).first() if email else None
    if person is None:
        raise Refused(f"{actor.label} is not a person in the catalog (no person with this email)")
    return person


def current_round(product: Product) -> Round | None:
    return product.alignment_rounds.order_by("-number").first()


def _new_round(product: Product, opened_by: str, opened_at: datetime | None = None) -> Round:
    last = current_round(product)
    return Round.objects.create(
        product=product,
        number=(last.number + 1) if last else 1,
        stage=product.stage,
        opened_at=opened_at or timezone.now(),
        opened_by=opened_by[:254],
    )


def open_round(*, actor: Actor, product: Product, opened_at: datetime | None = None) -> Round:
    """A new round for the product's current stage; earlier rounds stay as history."""
    decision = policy.require(actor, "alignment.round.open", product)
    round_ = _new_round(product, actor.label, opened_at)
    audit(
        actor=actor,
        action="alignment.round.open",
        obj=round_,
        product=product,
        changes={"number": round_.number, "stage": round_.stage, "override": decision.override},
    )
    notify_facts_changed([product.pk])
    return round_


def answer(
    *,
    actor: Actor,
    product: Product,
    function: Any,
    ranking: Any,
    north_star: Any = "",
    person: Any = None,
    answered_at: datetime | None = None,
) -> Response:
    """Record the actor's own answer in the product's current round (opening round 1
    if there is none). ``person`` (an email) may be given, and must be the actor's own:
    answering for someone else is refused by the policy (rule ``self``; an admin or the
    CLI operator may, with a reason, recorded as an override). ``answered_at`` is for
    recording an answer given earlier (imports, the demo); default now."""
    if person not in (None, ""):
        email = _text(person, "person", 254).lower()
        found = Person.objects.filter(email__iexact=email).first()
        subject = found if found is not None else Person(email=email)
    else:
        subject = person_of(actor)
    decision = policy.require(actor, "alignment.respond", subject)
    if subject.pk is None:
        raise NotFound(f"no person with email {subject.email!r}", field="person")
    functions = sorted(
        set(Stakeholder.objects.filter(product=product, person=subject).values_list("function", flat=True))
    )
    if not functions:
        raise Refused(f"{subject.email} is not a stakeholder of {product.slug}; ask a lead to add you")
    function_name = _text(function, "function", 64)
    if not function_name and len(functions) == 1:
        function_name = functions[0]
    if function_name not in functions:
        raise InvalidInput(
            f"must be one of your functions on this product: {', '.join(functions)}", field="function"
        )
    ranks = validate_ranking(ranking)
    statement = _text(north_star, "north_star", NORTH_STAR_LIMIT)
    round_ = current_round(product) or _new_round(product, actor.label, answered_at)
    with transaction.atomic():
        Response.objects.filter(round=round_, person=subject, current=True).update(current=False)
        response = Response.objects.create(
            round=round_,
            person=subject,
            function=function_name,
            north_star=statement,
            ranking=ranks,
            answered_at=answered_at or timezone.now(),
        )
    audit(
        actor=actor,
        action="alignment.respond",
        obj=response,
        product=product,
        changes={
            "round": round_.number,
            "function": function_name,
            "ranking": ranks,
            "override": decision.override,
        },
    )
    notify_facts_changed([product.pk])
    return response


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class RoundResult:
    round: Round | None
    responses: list[Response]
    result: kendall.Concordance | None

    def functions(self) -> list[str]:
        return sorted({r.function for r in self.responses})


def _concordance(responses: Sequence[Response]) -> kendall.Concordance | None:
    if not responses:
        return None
    return kendall.concordance([kendall.rank_vector(r.ranking, ITEMS) for r in responses])


def round_result(product: Product, number: int | None = None) -> RoundResult:
    """Kendall's W of the current answers of a round (the latest by default)."""
    if number is None:
        round_ = current_round(product)
    else:
        round_ = product.alignment_rounds.filter(number=number).first()
        if round_ is None:
            raise NotFound(f"{product.slug} has no alignment round {number}", field="round")
    if round_ is None:
        return RoundResult(None, [], None)
    responses = list(
        round_.responses.filter(current=True).select_related("person").order_by("function", "person__email")
    )
    return RoundResult(round_, responses, _concordance(responses))


def _round4(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def summary(product: Product, number: int | None = None) -> dict[str, Any]:
    """The JSON of ``prodops alignment SLUG`` and ``GET .../alignment``."""
    found = round_result(product, number)
    result = found.result
    responses = found.responses
    outlier = None
    if result is not None and result.outlier is not None:
        who = responses[result.outlier.rater]
        outlier = {
            "person": who.person.email,
            "function": who.function,
            "w_without": _round4(result.outlier.w_without),
        }
    consensus = []
    if result is not None:
        consensus = [
            {
                "item": ITEMS[i],
                "mean_rank": round(result.mean_ranks[i], 4),
                "rank_sum": result.rank_sums[i],
            }
            for i in result.consensus
        ]
    reason = ""
    if found.round is None:
        reason = "no alignment survey yet: no stakeholder has answered"
    elif result is None:
        reason = "nobody has answered this round yet"
    elif result.reason:
        reason = result.reason
    return {
        "product": product.slug,
        "round": (
            {
                "number": found.round.number,
                "stage": found.round.stage,
                "opened_at": found.round.opened_at.isoformat(),
            }
            if found.round
            else None
        ),
        "raters": len(responses),
        "items": list(ITEMS),
        "w": _round4(result.w) if result else None,
        "w_corrected": _round4(result.w_corrected) if result else None,
        "p_value": (float(f"{result.p_value:.4g}") if result and result.p_value is not None else None),
        "p_method": result.p_method if result else None,
        "consensus": consensus,
        "outlier": outlier,
        "responses": [
            {
                "person": r.person.email,
                "name": r.person.name,
                "function": r.function,
                "north_star": r.north_star,
                "ranking": {item: r.ranking[item] for item in ITEMS},
                "answered_at": r.answered_at.isoformat(),
            }
            for r in responses
        ],
        "reason": reason,
    }


def trajectory(product: Product) -> list[tuple[datetime, int, float | None]]:
    """W (tie-corrected) after every answer, round by round: (time, round, W)."""
    points: list[tuple[datetime, int, float | None]] = []
    rows = (
        Response.objects.filter(round__product=product)
        .select_related("round")
        .order_by("round__number", "answered_at", "pk")
    )
    latest: dict[tuple[int, int], Response] = {}
    for response in rows:
        latest = {k: v for k, v in latest.items() if k[0] == response.round.number}
        latest[(response.round.number, response.person_id)] = response
        # W only (no p-value): the statistic is cheap, the exact p-value is not needed here.
        stat = kendall.statistic([kendall.rank_vector(r.ranking, ITEMS) for r in latest.values()])
        points.append((response.answered_at, response.round.number, stat.w_corrected))
    return points
