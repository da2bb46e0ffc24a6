"""Retrospectives and process metrics.

* A retrospective opens by itself when a transition into warranty or operate, or a
  handback, executes (``signals.py``), due in ``DUE_DAYS`` days, with a data snapshot:
  planned vs actual stage dates, refusals before the gate passed, waivers used, warranty
  forecast vs actual end, incidents in the first 90 days after go-live.
* People with the ``contribute`` rule write its notes and the run team's feedback, add
  action items (owner, due date) and close them (done, or not doing with a reason).
* :func:`process_metrics` computes the portfolio's process metrics
  (:mod:`prodops.improvement.process`) from the stored history.

The shell owns the transaction; every write asks the policy first and is audited.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from prodops.accounts import policy
from prodops.audit.services import record
from prodops.catalog.models import Person, Product
from prodops.core import facts as fact_registry
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, NotFound, Refused
from prodops.events.models import Incident
from prodops.improvement import process
from prodops.improvement.models import ActionItem, Retrospective
from prodops.lifecycle.models import Transition
from prodops.notifications.services import notify

DUE_DAYS = 14
ACTOR = Actor.task("retrospective")


def opens_retrospective(transition: Transition) -> bool:
    return transition.status == Transition.Status.EXECUTED and (
        transition.kind == Transition.Kind.HANDBACK or transition.to_stage in process.RETRO_STAGES
    )


def _day(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localdate(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def snapshot(transition: Transition, now: datetime) -> dict[str, Any]:
    """The data a retrospective starts from (plain JSON)."""
    product = transition.product
    executed = list(
        Transition.objects.filter(product=product, status=Transition.Status.EXECUTED, decided_at__lte=now)
        .exclude(decided_at__isnull=True)
        .order_by("decided_at", "id")
    )
    actual = {t.to_stage: _day(t.decided_at) for t in executed}
    planned: dict[str, Any] = {"go_live": _day(product.go_live)}
    try:
        pilot = apps.get_model("pilots", "Pilot").objects.filter(product=product).first()
    except LookupError:  # pragma: no cover - the pilots app is optional
        pilot = None
    if pilot is not None:
        start = date.fromisoformat(pilot.plan["start"])
        planned["pilot_start"] = start.isoformat()
        planned["pilot_min_end"] = (start + timedelta(days=int(pilot.plan.get("min_days", 14)))).isoformat()
    policy_ = product.warranty or {}
    go_live = next((t.decided_at for t in reversed(executed) if t.to_stage == "warranty"), None)
    if go_live is not None and policy_:
        planned["warranty_min_end"] = _day(go_live + timedelta(days=int(policy_.get("min_days", 0))))
        planned["warranty_max_end"] = _day(go_live + timedelta(days=int(policy_.get("max_days", 0))))
    refusals = [
        {"at": _day(t.decided_at), "why": t.refusal}
        for t in Transition.objects.filter(
            product=product,
            to_stage=transition.to_stage,
            status=Transition.Status.REFUSED,
            requested_at__lt=transition.requested_at,
        ).order_by("requested_at")
    ]
    waived = [
        c["id"]
        for c in ((transition.snapshot or {}).get("criteria") or [])
        if isinstance(c, dict) and c.get("status") == "waived"
    ]
    values = fact_registry.compute([product.pk], now).get(product.pk, {})
    incidents: dict[str, Any] = {"go_live": _day(go_live), "count": None, "days_observed": None}
    if go_live is not None:
        end = min(now, go_live + timedelta(days=process.EARLY_LIFE_DAYS))
        incidents["count"] = Incident.objects.filter(
            product=product, opened_at__gte=go_live, opened_at__lt=end
        ).count()
        incidents["days_observed"] = max(0, (end - go_live).days)
    return {
        "trigger": transition.kind if transition.kind == Transition.Kind.HANDBACK else transition.to_stage,
        "transition": {
            "from": transition.from_stage,
            "to": transition.to_stage,
            "at": _day(transition.decided_at),
        },
        "planned": planned,
        "actual": actual,
        "refusals_before_gate": refusals,
        "waivers_used": waived,
        "warranty": {
            "forecast_end": _day(values.get("warranty.forecast_end")),
            "actual_end": _day(transition.decided_at) if transition.to_stage == "operate" else None,
        },
        "incidents_first_90_days": incidents,
    }


def open_retrospective(*, transition: Transition, now: datetime | None = None) -> Retrospective:
    """Open (once) the retrospective of an executed transition; idempotent."""
    policy.require(ACTOR, "retrospective.open")
    existing = Retrospective.objects.filter(transition=transition).first()
    if existing is not None:
        return existing
    now = now or transition.decided_at or timezone.now()
    product = transition.product
    retro = Retrospective.objects.create(
        product=product,
        transition=transition,
        trigger="handback" if transition.kind == Transition.Kind.HANDBACK else transition.to_stage,
        opened_at=now,
        due=timezone.localdate(now) + timedelta(days=DUE_DAYS),
        snapshot=snapshot(transition, now),
    )
    record(
        actor=ACTOR,
        action="retrospective.open",
        obj=retro,
        product=product,
        changes={"due": [None, retro.due.isoformat()]},
    )

    notify(
        event="retrospective.opened",
        product=product,
        actor=ACTOR,
        subject={"stage": transition.to_stage, "due": retro.due.isoformat()},
        url=f"/retrospectives/{retro.pk}/",
        key=f"retrospective:{retro.pk}",
    )
    return retro


def get_retrospective(pk: int, *, field: str = "retrospective") -> Retrospective:
    retro = (
        Retrospective.objects.select_related("product", "product__build_lead", "product__run_lead")
        .filter(pk=pk)
        .first()
    )
    if retro is None:
        raise NotFound(f"no retrospective {pk}", field=field)
    return retro


def _text(name: str, value: Any, limit: int = 20000) -> str:
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        raise InvalidInput(f"text of at most {limit} characters", field=name)
    return value.strip()


def update_retrospective(
    *,
    actor: Actor,
    retro: Retrospective,
    went_well: str | None = None,
    to_change: str | None = None,
    run_team_rating: int | None = None,
    run_team_feedback: str | None = None,
    hold: bool = False,
    now: datetime | None = None,
) -> Retrospective:
    """Notes, the run team's feedback, and (``hold``) marking it held."""
    policy.require(actor, "retrospective.edit", retro.product)
    before = {
        f: getattr(retro, f)
        for f in ("went_well", "to_change", "run_team_rating", "run_team_feedback", "status")
    }
    if went_well is not None:
        retro.went_well = _text("went_well", went_well)
    if to_change is not None:
        retro.to_change = _text("to_change", to_change)
    if run_team_feedback is not None:
        retro.run_team_feedback = _text("run_team_feedback", run_team_feedback)
    if run_team_rating is not None:
        if (
            isinstance(run_team_rating, bool)
            or not isinstance(run_team_rating, int)
            or not 1 <= run_team_rating <= 5
        ):
            raise InvalidInput("a rating from 1 to 5", field="run_team_rating")
        retro.run_team_rating = run_team_rating
    if hold:
        if not (retro.went_well or retro.to_change):
            raise Refused("write what went well or what to change before holding it", field="went_well")
        if retro.status != Retrospective.Status.HELD:
            retro.status = Retrospective.Status.HELD
            retro.held_at = now or timezone.now()
    retro.save()
    after = {f: getattr(retro, f) for f in before}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    record(actor=actor, action="retrospective.edit", obj=retro, product=retro.product, changes=changes)
    return retro


def add_action(
    *, actor: Actor, retro: Retrospective, title: str, owner: str, due: date, now: datetime | None = None
) -> ActionItem:
    policy.require(actor, "action_item.edit", retro.product)
    title = _text("title", title, 300)
    if not title:
        raise InvalidInput("an action item needs a title", field="title")
    person = (
        Person.objects.filter(email=(owner or "").strip().lower()).first() if isinstance(owner, str) else None
    )
    if person is None:
        raise InvalidInput(f"no person with email {owner!r}", field="owner")
    if not isinstance(due, date):
        raise InvalidInput("must be a date", field="due")
    item = ActionItem.objects.create(
        retrospective=retro, title=title, owner=person, due=due, created_at=now or timezone.now()
    )
    record(
        actor=actor,
        action="action_item.add",
        obj=item,
        product=retro.product,
        changes={"owner": [None, person.email]},
    )
    return item


def set_action_status(
    *, actor: Actor, item: ActionItem, status: str, reason: str = "", now: datetime | None = None
) -> ActionItem:
    product = item.retrospective.product
    policy.require(actor, "action_item.edit", product)
    if status not in ActionItem.Status.values:
        raise InvalidInput("one of open, done, not_doing", field="status")
    reason = _text("reason", reason or "", 5000)
    if status == ActionItem.Status.NOT_DOING and not reason:
        raise InvalidInput("say why it will not be done", field="reason")
    before = item.status
    item.status = status
    item.reason = reason if status == ActionItem.Status.NOT_DOING else ""
    item.closed_at = None if status == ActionItem.Status.OPEN else (item.closed_at or now or timezone.now())
    item.save(update_fields=["status", "reason", "closed_at"])
    record(
        actor=actor,
        action="action_item.status",
        obj=item,
        product=product,
        changes={"status": [before, status]},
    )
    return item


def get_action(pk: int, *, field: str = "action") -> ActionItem:
    item = ActionItem.objects.select_related("retrospective__product", "owner").filter(pk=pk).first()
    if item is None:
        raise NotFound(f"no action item {pk}", field=field)
    return item


def overdue_for(email: str, today: date | None = None) -> list[ActionItem]:
    """Open action items past their due date owned by this person."""
    today = today or timezone.localdate()
    return list(
        ActionItem.objects.filter(
            owner__email=(email or "").lower(), status=ActionItem.Status.OPEN, due__lt=today
        )
        .select_related("retrospective__product")
        .order_by("due")
    )


def retrospective_out(retro: Retrospective) -> dict[str, Any]:
    return {
        "id": retro.pk,
        "product": retro.product.slug,
        "trigger": retro.trigger,
        "status": retro.status,
        "opened_at": retro.opened_at,
        "due": retro.due,
        "held_at": retro.held_at,
        "snapshot": retro.snapshot,
        "went_well": retro.went_well,
        "to_change": retro.to_change,
        "run_team_rating": retro.run_team_rating,
        "run_team_feedback": retro.run_team_feedback,
        "actions": [action_out(a) for a in retro.actions.select_related("owner")],
    }


def action_out(item: ActionItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "title": item.title,
        "owner": item.owner.email,
        "due": item.due,
        "status": item.status,
        "reason": item.reason,
        "closed_at": item.closed_at,
    }


# ------------------------------------------------------------------ process metrics


def _team(product: Product) -> str:
    return product.build_team.slug if product.build_team_id and product.build_team else ""


def process_metrics(*, now: datetime | None = None) -> dict[str, Any]:
    """The process metrics of the portfolio and of each build team (see ``process``)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    products = {p.pk: p for p in Product.objects.select_related("build_team")}
    team = {pk: _team(p) for pk, p in products.items()}
    moves = []
    for t in Transition.objects.filter(decided_at__isnull=False, decided_at__lte=now).exclude(
        status=Transition.Status.PENDING
    ):
        waived = sum(
            1
            for c in ((t.snapshot or {}).get("criteria") or [])
            if isinstance(c, dict) and c.get("status") == "waived"
        )
        moves.append(
            process.Move(
                product=products[t.product_id].slug,
                team=team[t.product_id],
                from_stage=t.from_stage,
                to_stage=t.to_stage,
                kind=t.kind,
                status=t.status,
                at=t.decided_at or now,
                waived=waived,
            )
        )
    waiver_model = apps.get_model("readiness", "Waiver")
    waiver_rows = [
        process.WaiverRow(
            team=team[w.product_id],
            created=timezone.localdate(w.created_at),
            in_force=bool(
                w.build_lead_signed_at
                and w.run_lead_signed_at
                and w.revoked_at is None
                and w.expires_at > now
            ),
        )
        for w in waiver_model.objects.filter(created_at__lte=now)
    ]
    actions = [
        process.ActionRow(
            team=team[a.retrospective.product_id],
            due=a.due,
            closed=timezone.localdate(a.closed_at) if a.closed_at else None,
        )
        for a in ActionItem.objects.select_related("retrospective").filter(created_at__lte=now)
    ]
    retros = list(Retrospective.objects.filter(opened_at__lte=now, transition__isnull=False))
    retro_rows = [
        process.RetroRow(
            team=team[r.product_id],
            held=r.status == Retrospective.Status.HELD and bool(r.held_at and r.held_at <= now),
        )
        for r in retros
    ]
    forecasts = []
    for r in retros:
        w = (r.snapshot or {}).get("warranty") or {}
        if r.trigger == "operate" and w.get("forecast_end") and w.get("actual_end"):
            forecasts.append(
                process.ForecastRow(
                    team=team[r.product_id],
                    product=products[r.product_id].slug,
                    forecast_end=date.fromisoformat(w["forecast_end"]),
                    actual_end=date.fromisoformat(w["actual_end"]),
                )
            )
    early = []
    entered: dict[int, datetime] = {}
    for t in Transition.objects.filter(
        status=Transition.Status.EXECUTED, to_stage="operate", decided_at__lte=now
    ).order_by("decided_at"):
        entered.setdefault(t.product_id, t.decided_at or now)
    if entered:
        window = Q()
        for pid, at in entered.items():
            window |= Q(
                product_id=pid,
                opened_at__gte=at,
                opened_at__lt=min(now, at + timedelta(days=process.EARLY_LIFE_DAYS)),
            )
        counts: dict[int, int] = dict.fromkeys(entered, 0)
        for pid in Incident.objects.filter(window).values_list("product_id", flat=True):
            counts[pid] += 1
        early = [
            process.EarlyLifeRow(
                team=team[pid],
                product=products[pid].slug,
                entered_operate=timezone.localdate(at),
                incidents=counts[pid],
            )
            for pid, at in entered.items()
        ]
    return process.compute(
        moves=moves,
        waiver_rows=waiver_rows,
        actions=actions,
        retros=retro_rows,
        forecasts=forecasts,
        early=early,
        today=today,
    )
