"""Stage transitions: request, approve (both named leads), execute on evidence.

* ``request_transition(actor, product, to_stage, reason)`` → a pending Transition. A move
  to a later stage is an *advance*; to an earlier one a *handback* (SRE practice: the run
  team hands an overloaded product back to its builders).
* ``approve_transition(actor, transition)`` — the build lead and the run lead each sign
  (matched by email); an admin who is not a lead signs the missing roles as an
  override. Once both have signed the transition executes at once.
* An advance executes only if the target gate is open *at execution time* (gates are
  cumulative; see ``readiness.services.product_readiness``); otherwise it is refused and
  says which criteria block. Either way the evaluation snapshot is stored with it.
* ``reject_transition`` (a lead says no), ``cancel_transition``.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from prodops.accounts import policy
from prodops.audit.services import record
from prodops.catalog.models import Person, Product
from prodops.core.actors import Actor
from prodops.core.errors import Refused
from prodops.core.signals import notify_facts_changed, send_on_commit, transition_executed
from prodops.lifecycle.models import Approval, Transition
from prodops.notifications.services import notify
from prodops.readiness.services import (
    ReadinessError,
    actor_user,
    get_standard,
    lead_roles,
    product_readiness,
)

ROLES = ("build_lead", "run_lead")


def _tell(event: str, *, actor: Actor, transition: Transition, **subject: object) -> None:
    """Notify the product's leads (and the requester) about this transition."""
    product = transition.product
    recipients = [product.build_lead, product.run_lead]
    requester = getattr(transition.requested_by_user, "email", "") if transition.requested_by_user_id else ""
    if requester:
        recipients += list(Person.objects.filter(email__iexact=requester))
    notify(
        event=event,
        product=product,
        actor=actor,
        subject={
            "transition": transition.pk,
            "kind": transition.kind,
            "from_stage": transition.from_stage,
            "to_stage": transition.to_stage,
            **subject,
        },
        recipients=recipients,
        url=f"/products/{product.slug}/checklist/",
    )


class TransitionError(ReadinessError):
    """A transition cannot be requested or approved as asked."""


@transaction.atomic
def request_transition(
    *, actor: Actor, product: Product, to_stage: str, reason: str = "", now: datetime | None = None
) -> Transition:
    decision = policy.require(actor, "transition.request", product)
    now = now or timezone.now()
    # One pending transition per product: two requests at the same moment queue on the
    # product's row, so the second sees the first's pending transition.
    list(Product.objects.select_for_update().filter(pk=product.pk).values_list("pk", flat=True))
    stages = get_standard(product.standard).stages
    if to_stage not in stages:
        raise TransitionError(
            f"{to_stage!r} is not a stage; stages are {', '.join(stages)}", field="to_stage"
        )
    if to_stage == product.stage:
        raise TransitionError(f"{product.slug} is already in {to_stage}", field="to_stage")
    if Transition.objects.filter(product=product, status=Transition.Status.PENDING).exists():
        raise TransitionError(
            f"{product.slug} already has a pending transition; approve, reject or cancel it first",
            field="to_stage",
        )
    current = stages.index(product.stage) if product.stage in stages else 0
    kind = Transition.Kind.ADVANCE if stages.index(to_stage) > current else Transition.Kind.HANDBACK
    if kind == Transition.Kind.HANDBACK and not reason.strip():
        raise TransitionError("a handback needs a reason", field="reason")
    transition = Transition.objects.create(
        product=product,
        from_stage=product.stage,
        to_stage=to_stage,
        kind=kind,
        reason=reason.strip(),
        requested_by=actor.label,
        requested_at=now,
        requested_by_user=actor_user(actor),
    )
    record(
        actor=actor,
        action="transition.request",
        obj=transition,
        product=product,
        changes={"stage": [product.stage, to_stage], "kind": [None, kind]},
        decision=decision,
    )
    _tell("transition.requested", actor=actor, transition=transition, reason=transition.reason)
    return transition


def _lock(transition: Transition) -> None:
    """Take the transition's row lock for the rest of the caller's transaction, then
    reload it: whoever approves, rejects or cancels at the same moment waits here and
    then sees the other's approvals and status. (PostgreSQL: ``SELECT … FOR UPDATE``;
    SQLite: an IMMEDIATE transaction already holds the database's write lock.)"""
    list(Transition.objects.select_for_update().filter(pk=transition.pk).values_list("pk", flat=True))
    transition.refresh_from_db()


def _pending(transition: Transition) -> None:
    if transition.status != Transition.Status.PENDING:
        raise TransitionError(f"this transition is {transition.status}, not pending", field="transition")


def _same_signer(approval: Approval, actor: Actor) -> bool:
    if approval.user_id is not None and actor.user is not None:
        return bool(approval.user_id == actor.user.pk)
    return approval.actor.lower() == actor.label.lower()


def _lapsed(approval: Approval, product: Product) -> bool:
    """A lead's approval counts only while its signer holds the role: a lead replaced (or
    demoted to viewer) since approving no longer stands for it."""
    if approval.override:
        return False
    holder_id = product.build_lead_id if approval.role == "build_lead" else product.run_lead_id
    if approval.person_id != holder_id:
        return True
    return approval.user is not None and policy.role_of(Actor.for_user(approval.user, "system")) in {
        None,
        policy.VIEWER,
    }


@transaction.atomic
def approve_transition(*, actor: Actor, transition: Transition, now: datetime | None = None) -> Transition:
    """Sign for the lead role the actor holds; execute once both roles have signed, by
    two different people who still hold those roles. An admin who is not a lead signs
    the missing roles as a recorded override (with a reason).

    Approvals of one transition are serialised (a row lock), so two leads approving at
    the same moment execute it exactly once. Approving again what one has already
    approved changes nothing and answers the transition as it stands (a retried
    request must not fail), whatever its status by then."""
    now = now or timezone.now()
    product = transition.product
    decision = policy.require(actor, "transition.approve", product)
    _lock(transition)
    have = {a.role: a for a in transition.approvals.select_related("user")}
    override = decision.override
    held: set[str] = set()
    if not override:
        held = lead_roles(actor=actor, product=product)
        mine = {role for role, a in have.items() if not a.override and _same_signer(a, actor)}
        if mine:
            if held - set(have) and transition.status == Transition.Status.PENDING:
                raise Refused(
                    "you have approved this transition already; the other lead role must be "
                    "approved by a different person",
                    field="transition",
                )
            return transition  # approving again adds nothing
    if transition.status == Transition.Status.PENDING:
        for role, approval in list(have.items()):
            if _lapsed(approval, product):
                record(
                    actor=actor,
                    action="transition.approval_lapsed",
                    obj=transition,
                    product=product,
                    changes={role: [approval.actor, None]},
                )
                approval.delete()
                del have[role]
    person = None
    # A person signs one role only (the build lead's first when they hold both).
    new = sorted(set(ROLES) - set(have)) if override else sorted(held - set(have))[:1]
    if not new:
        return transition
    _pending(transition)
    if not override:
        person = product.build_lead if new[0] == "build_lead" else product.run_lead
    for role in new:
        Approval.objects.create(
            transition=transition,
            role=role,
            person=person,
            actor=actor.label,
            override=override,
            at=now,
            user=actor_user(actor),
        )
    if override:
        transition.override = True
        transition.save(update_fields=["override"])
    record(
        actor=actor,
        action="transition.override" if override else "transition.approve",
        obj=transition,
        product=product,
        changes={"approved": [sorted(have), sorted(set(have) | set(new))]},
        decision=decision,
    )
    _tell("transition.approved", actor=actor, transition=transition, approved=", ".join(new))
    if set(have) | set(new) >= set(ROLES):
        _execute(actor=actor, transition=transition, now=now)
    return transition


def _execute(*, actor: Actor, transition: Transition, now: datetime) -> None:
    product = Product.objects.select_for_update().get(pk=transition.product_id)
    if product.stage != transition.from_stage:
        _refuse(
            actor=actor,
            transition=transition,
            now=now,
            why=f"the product moved to {product.stage} since this was requested",
            snapshot=None,
        )
        return
    # An advance is checked against its target gate (cumulative: every gate up to it,
    # so skipping stages needs every gate in between). A handback needs no gate; its
    # snapshot is the gate of the stage it lands in, or, for the first stage (no gate),
    # the gate it must pass to advance again.
    gate: str | None = transition.to_stage
    if transition.kind == Transition.Kind.HANDBACK:
        standard = get_standard(product.standard)
        if gate not in standard.stages[1:]:
            gate = standard.next_stage(transition.to_stage)
    readiness = product_readiness(product=product, gate=gate, now=now)
    snapshot = readiness.to_dict()
    if transition.kind == Transition.Kind.ADVANCE and not readiness.ready:
        blockers = "; ".join(f"{c.id} ({c.status}: {c.message or c.title})" for c in readiness.blockers)
        _refuse(
            actor=actor,
            transition=transition,
            now=now,
            why=f"gate {transition.to_stage} is not open: {blockers}",
            snapshot=snapshot,
        )
        return
    before = product.stage
    Product.objects.filter(pk=product.pk).update(stage=transition.to_stage, version=product.version + 1)
    transition.product.stage = transition.to_stage
    transition.product.version = product.version + 1
    transition.status = Transition.Status.EXECUTED
    transition.decided_at = now
    transition.decided_by = actor.label
    transition.snapshot = snapshot
    transition.save(update_fields=["status", "decided_at", "decided_by", "snapshot"])
    record(
        actor=actor,
        action="transition.execute",
        obj=transition,
        product=product,
        changes={"stage": [before, transition.to_stage]},
    )
    record(
        actor=actor,
        action="product.stage",
        obj=product,
        product=product,
        changes={"stage": [before, transition.to_stage]},
    )
    _tell("transition.executed", actor=actor, transition=transition)
    notify_facts_changed([product.pk])
    send_on_commit(
        transition_executed, product_id=product.pk, from_stage=before, to_stage=transition.to_stage
    )


def _refuse(*, actor: Actor, transition: Transition, now: datetime, why: str, snapshot: object) -> None:
    transition.status = Transition.Status.REFUSED
    transition.decided_at = now
    transition.decided_by = actor.label
    transition.refusal = why
    transition.snapshot = snapshot
    transition.save(update_fields=["status", "decided_at", "decided_by", "refusal", "snapshot"])
    record(
        actor=actor,
        action="transition.refuse",
        obj=transition,
        product=transition.product,
        changes={"refusal": [None, why]},
    )
    _tell("transition.rejected", actor=actor, transition=transition, reason=why)


@transaction.atomic
def reject_transition(
    *, actor: Actor, transition: Transition, reason: str, now: datetime | None = None
) -> Transition:
    """A lead (or an admin) says no; the transition is refused with their reason."""
    if not actor.reason.strip() and reason.strip():
        actor = actor.with_reason(reason.strip())  # an admin's override gives the rejection's reason
    policy.require(actor, "transition.reject", transition.product)
    _lock(transition)
    _pending(transition)
    if not reason.strip():
        raise TransitionError("a rejection needs a reason", field="reason")
    _refuse(
        actor=actor,
        transition=transition,
        now=now or timezone.now(),
        why=f"rejected by {actor.label}: {reason.strip()}",
        snapshot=None,
    )
    return transition


@transaction.atomic
def cancel_transition(*, actor: Actor, transition: Transition, now: datetime | None = None) -> Transition:
    """A lead, a member of its teams, product operations or an admin withdraws a pending request."""
    decision = policy.require(actor, "transition.cancel", transition.product)
    _lock(transition)
    _pending(transition)
    transition.status = Transition.Status.CANCELLED
    transition.decided_at = now or timezone.now()
    transition.decided_by = actor.label
    transition.refusal = "cancelled"
    transition.save(update_fields=["status", "decided_at", "decided_by", "refusal"])
    record(
        actor=actor, action="transition.cancel", obj=transition, product=transition.product, decision=decision
    )
    return transition


def checklist_gate(*, product: Product) -> str | None:
    """The gate a product's checklist shows by default: the target of its pending
    advance (a request that skips stages is judged on that gate, which includes every
    gate in between), otherwise None (the next stage's gate)."""
    return (
        Transition.objects.filter(
            product=product, status=Transition.Status.PENDING, kind=Transition.Kind.ADVANCE
        )
        .values_list("to_stage", flat=True)
        .first()
    )


def transitions_of(*, product: Product) -> list[Transition]:
    return list(Transition.objects.filter(product=product).prefetch_related("approvals"))
