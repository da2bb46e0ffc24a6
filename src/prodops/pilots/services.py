"""Pilots: the plan, observations (one at a time or a CSV file), feedback, the judgement
of every criterion, and the decision both leads sign.

The judgement pools every observation so far: for a criterion without ``compare`` the
observations of every cohort except the control cohorts (those named by some
criterion's ``compare``) and those recorded for the pilot as a whole (no cohort); with
``compare: C`` the same pool against cohort C's. The statistics are in
:mod:`prodops.pilots.stats`; each result names its method.

The shell owns the transaction; every write asks the policy first and is audited.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import Avg, CharField, Count, DateField, DateTimeField, IntegerField, Max, Sum, Value
from django.utils import timezone
from pydantic import ValidationError

from prodops.accounts import policy
from prodops.audit.services import record
from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, NotFound, Refused
from prodops.core.prepared import PreparedQuery
from prodops.core.signals import notify_facts_changed
from prodops.core.validation import sane_time
from prodops.events.models import Defect, Incident, Page, Ticket, Usage
from prodops.pilots import stats
from prodops.pilots.models import Decision, DecisionSignature, Feedback, Observation, Pilot
from prodops.pilots.schemas import EVENT_METRICS, CriterionSpec, PilotSpec, dump

ROLES = ("build_lead", "run_lead")
MAX_CSV_BYTES = 5_000_000
CSV_COLUMNS = ("metric", "cohort", "successes", "trials", "count", "exposure", "users", "observed_at")


# ------------------------------------------------------------------ the plan


def parse_plan(data: Any, *, prefix: str = "") -> PilotSpec:
    """Validate a plan (plain data); InvalidInput names the field (``criteria.1.threshold``)."""
    try:
        spec = data if isinstance(data, PilotSpec) else PilotSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join([*([prefix] if prefix else []), *(str(p) for p in err["loc"])])
        raise InvalidInput(str(err["msg"]).removeprefix("Value error, "), field=loc) from None
    problem = spec.problem()
    if problem is not None:
        raise InvalidInput(problem[1], field=".".join(p for p in (prefix, problem[0]) if p))
    return spec


def plan_of(product: Product) -> PilotSpec | None:
    pilot = Pilot.objects.filter(product=product).first()
    return PilotSpec.model_validate(pilot.plan) if pilot else None


def set_plan(*, actor: Actor, product: Product, plan: PilotSpec | dict[str, Any] | None) -> bool:
    """Make the product's pilot plan ``plan`` (None: no pilot). True if anything changed."""
    policy.require(actor, "pilot.plan", product)
    pilot = Pilot.objects.filter(product=product).first()
    if plan is None:
        if pilot is None:
            return False
        pilot.delete()
        record(actor=actor, action="pilot.plan.delete", obj=product, product=product)
        notify_facts_changed([product.pk])
        return True
    wanted = dump(parse_plan(plan))
    if pilot is not None and pilot.plan == wanted:
        return False
    before = pilot.plan if pilot else None
    if pilot is None:
        pilot = Pilot.objects.create(product=product, plan=wanted)
    else:
        pilot.plan = wanted
        pilot.save(update_fields=["plan", "updated_at"])
    record(actor=actor, action="pilot.plan", obj=pilot, product=product, changes={"plan": [before, wanted]})
    notify_facts_changed([product.pk])
    return True


def _require_plan(product: Product) -> PilotSpec:
    plan = plan_of(product)
    if plan is None:
        raise Refused(f"{product.slug} has no pilot plan; add spec.pilot first", field="pilot")
    return plan


# ------------------------------------------------------------------ observations


def record_observation(
    *,
    actor: Actor,
    product: Product,
    metric: str,
    cohort: str | None = None,
    successes: int | None = None,
    trials: int | None = None,
    count: int | None = None,
    exposure: float | None = None,
    users: int | None = None,
    observed_at: datetime | None = None,
    source: str = "api",
) -> Observation:
    policy.require(actor, "pilot.observe", product)
    plan = _require_plan(product)
    obs = _validated_observation(
        plan,
        product=product,
        metric=metric,
        cohort=cohort,
        successes=successes,
        trials=trials,
        count=count,
        exposure=exposure,
        users=users,
        observed_at=observed_at or timezone.now(),
    )
    obs.recorded_by = actor.label
    obs.source = source
    obs.save()
    record(
        actor=actor,
        action="pilot.observe",
        obj=obs,
        product=product,
        changes={"metric": [None, metric], "cohort": [None, obs.cohort]},
    )
    notify_facts_changed([product.pk])
    return obs


def _whole(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 10**12:
        raise InvalidInput("must be a whole number between 0 and 10^12", field=name)
    return value


def _validated_observation(plan: PilotSpec, *, product: Product, **values: Any) -> Observation:
    metric = values["metric"]
    if not isinstance(metric, str) or not metric or len(metric) > 63 or "\x00" in metric:
        raise InvalidInput("a metric name of 1-63 characters", field="metric")
    if metric.startswith("events."):
        raise InvalidInput("events.* metrics are computed from events, not observed", field="metric")
    cohort = values["cohort"] or ""
    names = {c.name for c in plan.cohorts}
    if cohort and cohort not in names:
        known = ", ".join(sorted(names)) or "none"
        raise InvalidInput(f"no cohort {cohort!r} in the pilot plan (cohorts: {known})", field="cohort")
    successes, trials = _whole("successes", values["successes"]), _whole("trials", values["trials"])
    count, users = _whole("count", values["count"]), _whole("users", values["users"])
    exposure = values["exposure"]
    if exposure is not None and (
        isinstance(exposure, bool)
        or not isinstance(exposure, int | float)
        or not math.isfinite(exposure)
        or not 0 < exposure <= 1e15
    ):
        raise InvalidInput("must be a finite number > 0", field="exposure")
    proportion = successes is not None or trials is not None
    rate = count is not None or exposure is not None
    if proportion and rate:
        raise InvalidInput("give successes and trials, or count and exposure, not both", field="count")
    if proportion:
        if successes is None or trials is None:
            raise InvalidInput(
                "successes and trials go together", field="trials" if trials is None else "successes"
            )
        if successes > trials:
            raise InvalidInput("successes cannot exceed trials", field="successes")
    elif rate:
        if count is None or exposure is None:
            raise InvalidInput(
                "count and exposure go together", field="exposure" if exposure is None else "count"
            )
    elif users is None:
        raise InvalidInput("give successes and trials, count and exposure, or users", field="metric")
    observed_at = values["observed_at"]
    if not isinstance(observed_at, datetime):
        raise InvalidInput("must be a date-time", field="observed_at")
    sane_time(observed_at, "observed_at")  # year 1 or 9999-12-31T23:59-23:00 would overflow
    if timezone.is_naive(observed_at):
        observed_at = timezone.make_aware(observed_at, timezone.get_current_timezone())
    return Observation(
        product=product,
        metric=metric,
        cohort=cohort,
        successes=successes,
        trials=trials,
        count=count,
        exposure=float(exposure) if exposure is not None else None,
        users=users,
        observed_at=observed_at,
    )


def _csv_value(column: str, text: str) -> Any:
    text = text.strip()
    if text == "":
        return None
    if column in {"metric", "cohort"}:
        return text
    if column == "observed_at":
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                parsed = datetime.combine(date.fromisoformat(text), time())
            except ValueError:
                raise InvalidInput("must be an ISO date or date-time", field=column) from None
        return parsed
    if column == "exposure":
        try:
            return float(text)
        except ValueError:
            raise InvalidInput("must be a number", field=column) from None
    if not text.isdigit():
        raise InvalidInput("must be a whole number", field=column)
    return int(text)


def import_observations(
    *, actor: Actor, product: Product, text: str, filename: str = "-", now: datetime | None = None
) -> int:
    """Import a CSV of observations (header: ``CSV_COLUMNS``, any order, metric required).

    All or nothing: the first bad row raises InvalidInput naming ``file:line`` and the
    column, with every bad row in ``details["errors"]``; nothing is saved then."""
    policy.require(actor, "pilot.observe", product)
    plan = _require_plan(product)
    if len(text) > MAX_CSV_BYTES:
        raise InvalidInput(f"larger than {MAX_CSV_BYTES} bytes", field="file", location=filename)
    if "\x00" in text:
        raise InvalidInput("contains a NUL byte", field="file", location=filename)
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown or "metric" not in header:
        why = f"unknown column {unknown[0]!r}" if unknown else "the header needs a metric column"
        raise InvalidInput(
            f"{why}; columns: {', '.join(CSV_COLUMNS)}", field="header", location=f"{filename}:1"
        )
    now = now or timezone.now()
    rows: list[Observation] = []
    errors: list[dict[str, Any]] = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            if len(row) != len(header):
                raise InvalidInput(f"{len(row)} cells, the header has {len(header)}", field="row")
            values = dict.fromkeys(CSV_COLUMNS)
            for column, cell in zip(header, row, strict=True):
                values[column] = _csv_value(column, cell)
            values["observed_at"] = values["observed_at"] or now
            rows.append(_validated_observation(plan, product=product, **values))
        except InvalidInput as exc:
            errors.append({"line": line, "field": exc.field, "msg": exc.message})
    if errors:
        first = errors[0]
        raise InvalidInput(
            f"{first['msg']} ({len(errors)} bad row{'s' if len(errors) > 1 else ''}; nothing imported)",
            field=first["field"],
            location=f"{filename}:{first['line']}",
            details={"errors": errors},
        )
    for obs in rows:
        obs.recorded_by = actor.label
        obs.source = "csv"
    Observation.objects.bulk_create(rows)
    record(
        actor=actor,
        action="pilot.import",
        obj=product,
        product=product,
        changes={"observations": [0, len(rows)]},
    )
    notify_facts_changed([product.pk])
    return len(rows)


# ------------------------------------------------------------------ feedback


def add_feedback(
    *,
    actor: Actor,
    product: Product,
    rating: int,
    text: str = "",
    cohort: str | None = None,
    now: datetime | None = None,
) -> Feedback:
    policy.require(actor, "pilot.feedback", product)
    plan = _require_plan(product)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput("a rating from 1 to 5", field="rating")
    if not isinstance(text, str) or len(text) > 5000 or "\x00" in text:
        raise InvalidInput("text of at most 5000 characters", field="text")
    if cohort and cohort not in {c.name for c in plan.cohorts}:
        raise InvalidInput(f"no cohort {cohort!r} in the pilot plan", field="cohort")
    feedback = Feedback.objects.create(
        product=product,
        author=actor.label,
        cohort=cohort or "",
        rating=rating,
        text=text.strip(),
        created_at=now or timezone.now(),
    )
    record(
        actor=actor,
        action="pilot.feedback",
        obj=feedback,
        product=product,
        changes={"rating": [None, rating]},
    )
    notify_facts_changed([product.pk])
    return feedback


# ------------------------------------------------------------------ decisions


def propose_decision(
    *, actor: Actor, product: Product, outcome: str, reason: str = "", now: datetime | None = None
) -> Decision:
    """A lead proposes proceed/extend/stop; it is stored with the evidence as it is now
    and signed at once for the proposer's role. A pending decision is superseded."""
    decision_policy = policy.require(actor, "pilot.decide", product)
    if outcome not in Decision.Outcome.values:
        raise InvalidInput("one of proceed, extend, stop", field="outcome")
    if not isinstance(reason, str) or len(reason) > 5000 or "\x00" in reason:
        raise InvalidInput("a reason of at most 5000 characters", field="reason")
    _require_plan(product)
    now = now or timezone.now()
    Decision.objects.filter(product=product, status=Decision.Status.PENDING).update(
        status=Decision.Status.SUPERSEDED
    )
    decision = Decision.objects.create(
        product=product,
        outcome=outcome,
        reason=reason.strip(),
        snapshot=status_of(product, now=now),
        proposed_by=actor.label,
        proposed_at=now,
    )
    record(
        actor=actor,
        action="pilot.decision.propose",
        obj=decision,
        product=product,
        changes={"outcome": [None, outcome]},
    )
    _sign(actor=actor, decision=decision, override=decision_policy.override, now=now)
    return decision


def sign_decision(*, actor: Actor, decision: Decision, now: datetime | None = None) -> Decision:
    """Sign for the lead role the actor holds (an admin: the missing role, as a recorded
    override with a reason). Signed once both roles are signed by two different people."""
    decision_policy = policy.require(actor, "pilot.decide", decision.product)
    if decision.status != Decision.Status.PENDING:
        raise Refused(f"this decision is {decision.status}, not awaiting signatures", field="decision")
    _sign(actor=actor, decision=decision, override=decision_policy.override, now=now or timezone.now())
    return decision


def _sign(*, actor: Actor, decision: Decision, override: bool, now: datetime) -> None:
    product = decision.product
    signed = {s.role: s for s in decision.signatures.all()}
    if any(s.actor == actor.label for s in signed.values()):
        raise Refused("you have already signed this decision; the other lead signs next", field="decision")
    if override:
        roles = [r for r in ROLES if r not in signed]
    else:
        roles = [r for r in ROLES if r in policy.lead_roles(actor, product) and r not in signed]
    if not roles:
        raise Refused("your lead role has already signed this decision", field="decision")
    # One signature per person: a person who holds both roles signs one of them, so
    # that a decision always carries two different people's signatures.
    role = roles[0]
    person = None if override else (product.build_lead if role == "build_lead" else product.run_lead)
    DecisionSignature.objects.create(
        decision=decision,
        role=role,
        person=person,
        actor=actor.label,
        override=override,
        reason=actor.reason if override else "",
        at=now,
    )
    record(
        actor=actor,
        action="pilot.decision.override" if override else "pilot.decision.sign",
        obj=decision,
        product=product,
        changes={"signed": [sorted(signed), sorted([*signed, role])]},
    )
    if set(signed) | {role} >= set(ROLES):
        decision.status = Decision.Status.SIGNED
        decision.signed_at = now
        decision.save(update_fields=["status", "signed_at"])
        record(
            actor=actor,
            action="pilot.decision.signed",
            obj=decision,
            product=product,
            changes={"outcome": [None, decision.outcome]},
        )
        notify_facts_changed([product.pk])


def decision_out(
    decision: Decision | None, signatures: Iterable[DecisionSignature] | None = None
) -> dict[str, Any] | None:
    """The decision as JSON, with ``signatures`` when they were read already (in their
    order: ``at``, ``id``), else its own."""
    if decision is None:
        return None
    signed = decision.signatures.all() if signatures is None else signatures
    return {
        "id": decision.pk,
        "outcome": decision.outcome,
        "status": decision.status,
        "reason": decision.reason,
        "proposed_by": decision.proposed_by,
        "proposed_at": decision.proposed_at.isoformat(),
        "signed_at": decision.signed_at.isoformat() if decision.signed_at else None,
        "signatures": [
            {"role": s.role, "by": s.actor, "override": s.override, "at": s.at.isoformat()} for s in signed
        ],
    }


def latest_decision(product: Product) -> Decision | None:
    return (
        Decision.objects.filter(product=product)
        .exclude(status=Decision.Status.SUPERSEDED)
        .prefetch_related("signatures")
        .first()
    )


def get_decision(product: Product, pk: int, *, field: str = "decision") -> Decision:
    decision = Decision.objects.filter(product=product, pk=pk).first()
    if decision is None:
        raise NotFound(f"no pilot decision {pk} for {product.slug}", field=field)
    return decision


# ------------------------------------------------------------------ status (the judgement)


@dataclass
class _Totals:
    successes: int = 0
    trials: int = 0
    proportions: int = 0
    count: int = 0
    exposure: float = 0.0
    rates: int = 0

    def add(self, other: _Totals) -> None:
        self.successes += other.successes
        self.trials += other.trials
        self.proportions += other.proportions
        self.count += other.count
        self.exposure += other.exposure
        self.rates += other.rates

    def as_observed(self, kind: str) -> stats.Proportion | stats.Rate | None:
        if kind == "proportion":
            return stats.Proportion(self.successes, self.trials) if self.proportions else None
        return stats.Rate(self.count, self.exposure) if self.rates else None


@dataclass
class _Bundle:
    product_id: int
    slug: str
    plan: PilotSpec
    totals: dict[tuple[str, str], _Totals] = field(default_factory=dict)
    exposed: dict[str, int] = field(default_factory=dict)
    decision: Decision | None = None
    signatures: list[DecisionSignature] = field(default_factory=list)
    feedback: tuple[float | None, int] = (None, 0)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _judge(crit: CriterionSpec, bundle: _Bundle, controls: set[str]) -> dict[str, Any]:
    pooled = _Totals()
    for (metric, cohort), totals in bundle.totals.items():
        if metric == crit.metric and cohort not in controls:
            pooled.add(totals)
    direction = crit.resolved_direction
    control = None
    if crit.compare is not None:
        threshold = stats.comparison_threshold(crit.kind, direction, float(crit.max_worse or 0))
        control = bundle.totals.get((crit.metric, crit.compare), _Totals()).as_observed(crit.kind)
    else:
        threshold = float(crit.threshold or 0)
    judged = stats.evaluate(
        kind=crit.kind,
        direction=direction,
        threshold=threshold,
        confidence=crit.confidence,
        min_sample=crit.min_sample,
        observed=pooled.as_observed(crit.kind),
        control=control,
        compare=crit.compare is not None,
        per=crit.per,
    )
    iv = judged.interval
    return {
        "id": crit.id,
        "metric": crit.metric,
        "kind": crit.kind,
        "status": judged.status,
        "estimate": _finite(iv.estimate) if iv else None,
        "low": _finite(iv.low) if iv else None,
        "high": _finite(iv.high) if iv else None,
        "n": judged.n,
        "threshold": threshold,
        "direction": direction,
        "method": judged.method,
        "confidence": crit.confidence,
        "blocking": crit.blocking,
        **({"compare": crit.compare, "max_worse": crit.max_worse} if crit.compare else {}),
        **({"per": crit.per} if crit.kind == "rate" and not crit.compare else {}),
    }


def _days_run(plan: PilotSpec, decision: Decision | None, today: date) -> int:
    end = today
    if (
        decision is not None
        and decision.status == Decision.Status.SIGNED
        and decision.outcome in {Decision.Outcome.PROCEED, Decision.Outcome.STOP}
        and decision.signed_at is not None
    ):
        end = min(today, timezone.localdate(decision.signed_at))
    return max(0, (end - plan.start).days)


def _status(bundle: _Bundle, now: datetime) -> dict[str, Any]:
    plan = bundle.plan
    controls = plan.control_cohorts
    criteria = [_judge(c, bundle, controls) for c in plan.criteria]
    mean, n_feedback = bundle.feedback
    return {
        "product": bundle.slug,
        "start": plan.start.isoformat(),
        "min_days": plan.min_days,
        "days_run": _days_run(plan, bundle.decision, timezone.localdate(now)),
        "cohorts": [
            {
                "name": c.name,
                "kind": c.kind,
                "planned_size": c.planned_size,
                "exposed": bundle.exposed.get(c.name, 0),
                "control": c.name in controls,
            }
            for c in plan.cohorts
        ],
        "criteria": criteria,
        "feedback": {"count": n_feedback, "mean_rating": mean},
        "decision": decision_out(bundle.decision, bundle.signatures),
    }


# The queries of ``statuses``, each built and compiled once (core.prepared): judging one
# product's pilot re-sends their SQL with its id and times.
_PILOTS = PreparedQuery(
    lambda p: Pilot.objects.filter(product_id__in_ids=p.ids).values_list(
        "product_id", "product__slug", "plan"
    )
)
_OBSERVED = PreparedQuery(
    lambda p: (
        Observation.objects.filter(product_id__in_ids=p.ids, observed_at__lte=p.now)
        .values("product_id", "metric", "cohort")
        .annotate(
            s=Sum("successes"),
            t=Sum("trials"),
            np=Count("trials"),
            c=Sum("count"),
            e=Sum("exposure"),
            nr=Count("count"),
            u=Max("users"),
        )
    ),
    now=DateTimeField(),
)
# Every decision not superseded, newest first per product (the first one counts).
_DECISIONS = PreparedQuery(
    lambda p: (
        Decision.objects.filter(product_id__in_ids=p.ids)
        .exclude(status=Decision.Status.SUPERSEDED)
        .order_by("product_id", "-proposed_at", "-id")
    )
)
_SIGNATURES = PreparedQuery(lambda p: DecisionSignature.objects.filter(decision_id__in_ids=p.ids))
_FEEDBACK = PreparedQuery(
    lambda p: (
        Feedback.objects.filter(product_id__in_ids=p.ids)
        .values("product_id")
        .annotate(m=Avg("rating"), n=Count("id"))
    )
)
_EVENT_SOURCES: dict[str, tuple[Any, str]] = {
    "events.incidents": (Incident, "opened_at"),
    "events.defects": (Defect, "found_at"),
    "events.tickets": (Ticket, "opened_at"),
    "events.pages": (Page, "triggered_at"),
}


def _since_start(p: Any) -> Any:
    """events.* metrics: the product's user-days of usage (``usage``) and its events of
    each kind (named by their metric) since the pilot's start, in one UNION ALL; a part
    with nothing to sum or count has no row."""
    usage = (
        Usage.objects.filter(product_id=p.product, date__gte=p.start_day, date__lte=p.today)
        .order_by()
        .values("product_id")
        .annotate(k=Value("usage", CharField()), n=Sum("active_users"))
        .values_list("k", "n")
    )
    events = [
        model.objects.filter(product_id=p.product, **{f"{at}__gte": p.start, f"{at}__lte": p.now})
        .order_by()
        .values("product_id")
        .annotate(k=Value(metric, CharField()), n=Count("id"))
        .values_list("k", "n")
        for metric, (model, at) in _EVENT_SOURCES.items()
    ]
    return usage.union(*events, all=True)


_SINCE_START = PreparedQuery(
    _since_start,
    product=IntegerField(),
    start_day=DateField(),
    today=DateField(),
    start=DateTimeField(),
    now=DateTimeField(),
)


def _event_totals(bundles: Sequence[_Bundle], now: datetime) -> None:
    """events.* metrics: counts since the pilot's start over user-days of usage."""
    for bundle in bundles:
        used = {c.metric for c in bundle.plan.criteria if c.metric in EVENT_METRICS}
        if not used:
            continue
        start = timezone.make_aware(
            datetime.combine(bundle.plan.start, time()), timezone.get_current_timezone()
        )
        found = dict(
            _SINCE_START.rows(
                product=bundle.product_id, start_day=bundle.plan.start, today=now.date(), start=start, now=now
            )
        )
        user_days = found.get("usage") or 0
        for metric in used:
            if user_days > 0:
                bundle.totals[(metric, "")] = _Totals(
                    count=found.get(metric, 0), exposure=float(user_days), rates=1
                )


def _bundles(product_ids: Sequence[int], now: datetime) -> list[_Bundle]:
    bundles = {
        pid: _Bundle(product_id=pid, slug=slug, plan=PilotSpec.model_validate(plan))
        for pid, slug, plan in _PILOTS.rows(ids=list(product_ids))
    }
    if not bundles:
        return []
    ids = list(bundles)
    for row in _OBSERVED.rows(ids=ids, now=now):
        bundle = bundles[row["product_id"]]
        bundle.totals[(row["metric"], row["cohort"])] = _Totals(
            successes=int(row["s"] or 0),
            trials=int(row["t"] or 0),
            proportions=row["np"],
            count=int(row["c"] or 0),
            exposure=float(row["e"] or 0.0),
            rates=row["nr"],
        )
        if row["u"] is not None and row["cohort"]:
            bundle.exposed[row["cohort"]] = max(bundle.exposed.get(row["cohort"], 0), int(row["u"]))
    for decision in _DECISIONS.rows(ids=ids):
        bundle = bundles[decision.product_id]
        if bundle.decision is None:
            bundle.decision = decision
    latest = {b.decision.pk: b for b in bundles.values() if b.decision is not None}
    for signature in _SIGNATURES.rows(ids=list(latest)):
        latest[signature.decision_id].signatures.append(signature)
    for row in _FEEDBACK.rows(ids=ids):
        bundles[row["product_id"]].feedback = (float(row["m"]), row["n"])
    _event_totals(list(bundles.values()), now)
    return list(bundles.values())


def statuses(product_ids: Sequence[int], now: datetime) -> dict[int, dict[str, Any]]:
    """The pilot status of every product that has a plan: a fixed number of queries, plus
    one for each pilot with ``events.*`` metrics (each counts from its own start)."""
    return {b.product_id: _status(b, now) for b in _bundles(product_ids, now)}


def status_of(product: Product, *, now: datetime | None = None) -> dict[str, Any]:
    """The status of one product's pilot (``prodops pilot status``); Refused without a plan."""
    now = now or timezone.now()
    found = statuses([product.pk], now)
    if product.pk not in found:
        raise Refused(f"{product.slug} has no pilot plan", field="pilot")
    return found[product.pk]


def fact_values(status: dict[str, Any]) -> dict[str, Any]:
    """The ``pilot.*`` facts of one status."""
    criteria = status["criteria"]
    by_status: dict[str, int] = defaultdict(int)
    for c in criteria:
        by_status[c["status"]] += 1
    planned = sum(c["planned_size"] for c in status["cohorts"] if not c["control"])
    exposed = sum(c["exposed"] for c in status["cohorts"] if not c["control"])
    decision = status["decision"]
    values: dict[str, Any] = {
        "pilot.days_run": status["days_run"],
        "pilot.min_days": status["min_days"],
        "pilot.criteria_total": len(criteria),
        "pilot.criteria_passing": by_status["pass"],
        "pilot.criteria_failing": by_status["fail"],
        "pilot.criteria_inconclusive": by_status["inconclusive"],
        "pilot.criteria_no_data": by_status["no_data"],
        "pilot.blocking_not_passed": sum(1 for c in criteria if c["blocking"] and c["status"] != "pass"),
        "pilot.decision": decision["outcome"] if decision and decision["status"] == "signed" else "none",
    }
    if planned > 0:
        values["pilot.exposed_share"] = exposed / planned
    if status["feedback"]["count"]:
        values["pilot.feedback_score"] = status["feedback"]["mean_rating"]
    return values


def observations_of(product: Product, *, limit: int = 200) -> list[Observation]:
    return list(Observation.objects.filter(product=product).order_by("-observed_at", "-id")[:limit])
