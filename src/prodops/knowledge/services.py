"""Documents, training, support sign-offs and support estimates: every write goes
through here, is validated before anything is saved, audited, and tells the readiness
engine that the product's facts changed.

Bad input raises ``prodops.core.errors.InvalidInput`` naming the field;
shells turn it into HTTP 422 or CLI exit 2. The shell owns the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from prodops.accounts import policy
from prodops.audit.services import diff, record
from prodops.catalog.models import Person, Product, Team
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, invalid_from
from prodops.core.signals import notify_facts_changed
from prodops.knowledge.models import Document, SupportEstimate, SupportSignoff, TrainingSession

DOCUMENT_FIELDS = ("kind", "title", "url", "body", "owner", "reviewed")


def person_by_email(email: str, *, field: str) -> Person:
    """The Person with that email (case-insensitive), or InvalidInput on ``field``."""
    email = (email or "").strip().lower()
    try:
        return Person.objects.get(email=email)
    except Person.DoesNotExist:
        raise InvalidInput(f"No person with email {email!r}.", field=field) from None


def _clean(obj: models.Model, *, exclude: list[str] | None = None) -> None:
    # full_clean checks required fields, validators and unique constraints, so nothing
    # half-valid reaches the database and errors name the field.
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise invalid_from(exc) from None


def _document_state(doc: Document) -> dict[str, Any]:
    return {
        "kind": doc.kind,
        "title": doc.title,
        "url": doc.url,
        "body": doc.body,
        "owner": doc.owner.email if doc.owner else None,
        "reviewed": doc.reviewed.isoformat() if doc.reviewed else None,
    }


def create_document(
    *,
    actor: Actor,
    product: Product,
    kind: str,
    title: str,
    url: str = "",
    body: str = "",
    owner_email: str | None = None,
    reviewed: date | None = None,
) -> Document:
    policy.require(actor, "evidence.edit", product)
    owner = person_by_email(owner_email, field="owner") if owner_email else None
    doc = Document(
        product=product,
        kind=kind,
        title=(title or "").strip(),
        url=url or "",
        body=body or "",
        owner=owner,
        reviewed=reviewed,
    )
    _clean(doc)
    doc.save()
    record(actor=actor, action="document.create", obj=doc, product=product, changes=_document_state(doc))
    notify_facts_changed([product.id])
    return doc


_UNSET: Any = object()


def update_document(
    *,
    actor: Actor,
    document: Document,
    kind: str = _UNSET,
    title: str = _UNSET,
    url: str = _UNSET,
    body: str = _UNSET,
    owner_email: str | None = _UNSET,
    reviewed: date | None = _UNSET,
) -> bool:
    """Change the given fields (omitted ones keep their value). Returns True if anything
    changed."""
    policy.require(actor, "evidence.edit", document.product)
    before = _document_state(document)
    if kind is not _UNSET:
        document.kind = kind
    if title is not _UNSET:
        document.title = (title or "").strip()
    if url is not _UNSET:
        document.url = url or ""
    if body is not _UNSET:
        document.body = body or ""
    if owner_email is not _UNSET:
        document.owner = person_by_email(owner_email, field="owner") if owner_email else None
    if reviewed is not _UNSET:
        document.reviewed = reviewed
    changes = diff(before, _document_state(document))
    if not changes:
        return False
    _clean(document)
    document.save()
    record(actor=actor, action="document.update", obj=document, product=document.product, changes=changes)
    notify_facts_changed([document.product_id])
    return True


def delete_document(*, actor: Actor, document: Document) -> None:
    product = document.product
    policy.require(actor, "evidence.edit", product)
    record(
        actor=actor,
        action="document.delete",
        obj=document,
        product=product,
        changes=_document_state(document),
    )
    document.delete()
    notify_facts_changed([product.id])


def archive_document(*, actor: Actor, document: Document) -> Document:
    """Archive a document: it stops counting (facts, checklist) and leaves every list,
    but the row stays, with its content, for the record."""
    policy.require(actor, "evidence.edit", document.product)
    if document.archived_at is None:
        document.archived_at = timezone.now()
        document.save(update_fields=["archived_at", "updated_at"])
        record(
            actor=actor,
            action="document.archive",
            obj=document,
            product=document.product,
            changes=_document_state(document),
        )
        notify_facts_changed([document.product_id])
    return document


# --- training -------------------------------------------------------------------------


def record_training(
    *,
    actor: Actor,
    product: Product,
    topic: str,
    date: date,
    trainer_email: str | None = None,
    attendee_emails: list[str] | tuple[str, ...] = (),
    notes: str = "",
) -> TrainingSession:
    """A training session and who attended. Every attendee must be a known Person;
    one unknown email refuses the whole session."""
    policy.require(actor, "evidence.edit", product)
    trainer = person_by_email(trainer_email, field="trainer") if trainer_email else None
    attendees: list[Person] = []
    missing: list[str] = []
    for email in attendee_emails:
        try:
            attendees.append(person_by_email(email, field="attendees"))
        except InvalidInput:
            missing.append(email)
    if missing:
        raise InvalidInput(" ".join(f"No person with email {e!r}." for e in missing), field="attendees")
    session = TrainingSession(
        product=product, topic=(topic or "").strip(), date=date, trainer=trainer, notes=notes or ""
    )
    _clean(session)
    session.save()
    session.attendees.set(attendees)
    record(
        actor=actor,
        action="training.create",
        obj=session,
        product=product,
        changes={
            "topic": session.topic,
            "date": session.date.isoformat(),
            "trainer": trainer.email if trainer else None,
            "attendees": sorted(p.email for p in attendees),
        },
    )
    notify_facts_changed([product.id])
    return session


def delete_training(*, actor: Actor, session: TrainingSession) -> None:
    product = session.product
    policy.require(actor, "evidence.edit", product)
    record(actor=actor, action="training.delete", obj=session, product=product)
    session.delete()
    notify_facts_changed([product.id])


# --- support sign-off -----------------------------------------------------------------


def _require_run_team_member(product: Product, person: Person) -> None:
    team = product.run_team
    if team is None:
        raise InvalidInput(f"{product.slug} has no run team, so nobody can sign off support.", field="person")
    if not team.members.filter(pk=person.pk).exists():
        raise InvalidInput(f"{person.email} is not a member of the run team {team.slug}.", field="person")


def _signer(actor: Actor, person_email: str | None) -> tuple[Person, policy.Decision]:
    """The person a sign-off is for: the actor themself. Naming someone else is refused,
    except for an admin acting on their behalf with a reason (recorded as an override)."""
    email = (person_email or actor.email or "").strip().lower()
    decision = policy.require(actor, "signoff.sign", _Named(email))
    person = person_by_email(email, field="person")
    return person, decision


class _Named:
    """Just an email, for the policy's ``self`` rule before the Person is looked up."""

    def __init__(self, email: str) -> None:
        self.email = email


def sign_support(
    *, actor: Actor, product: Product, person_email: str | None = None, comment: str = ""
) -> SupportSignoff:
    """The actor says "I can support this" (an admin may sign on a run-team member's
    behalf, with a reason). Only members of the product's run team may sign."""
    person, decision = _signer(actor, person_email)
    _require_run_team_member(product, person)
    now = timezone.now()
    signoff, created = SupportSignoff.objects.get_or_create(
        product=product, person=person, defaults={"comment": comment or "", "signed_at": now}
    )
    if not created:
        signoff.comment = comment or ""
        signoff.signed_at = now
        signoff.withdrawn_at = None
        signoff.save()
    record(
        actor=actor,
        action="support.sign",
        obj=signoff,
        product=product,
        changes={"person": person.email, "comment": signoff.comment},
        decision=decision,
    )
    notify_facts_changed([product.id])
    return signoff


def withdraw_support(
    *, actor: Actor, product: Product, person_email: str | None = None, comment: str = ""
) -> SupportSignoff:
    person, decision = _signer(actor, person_email)
    try:
        signoff = SupportSignoff.objects.get(product=product, person=person, withdrawn_at__isnull=True)
    except SupportSignoff.DoesNotExist:
        raise InvalidInput(
            f"{person.email} has not signed off support of {product.slug}.", field="person"
        ) from None
    signoff.withdrawn_at = timezone.now()
    if comment:
        signoff.comment = comment
    signoff.save()
    record(
        actor=actor,
        action="support.withdraw",
        obj=signoff,
        product=product,
        changes={"person": person.email, "comment": signoff.comment},
        decision=decision,
    )
    notify_facts_changed([product.id])
    return signoff


# --- support capacity -----------------------------------------------------------------


def set_support_estimate(
    *, actor: Actor, product: Product, hours_per_week: float, basis: str = ""
) -> SupportEstimate:
    policy.require(actor, "evidence.edit", product)
    estimate = SupportEstimate.objects.filter(product=product).first() or SupportEstimate(product=product)
    before = {"hours_per_week": estimate.hours_per_week, "basis": estimate.basis} if estimate.pk else {}
    estimate.hours_per_week = hours_per_week
    estimate.basis = basis or ""
    _clean(estimate, exclude=["product"])
    estimate.save()
    record(
        actor=actor,
        action="support.estimate",
        obj=estimate,
        product=product,
        changes=diff(before, {"hours_per_week": hours_per_week, "basis": estimate.basis}),
    )
    # Utilization is a team-wide figure: every product of the same run team changes.
    ids = [product.id]
    if product.run_team_id:
        ids += list(Product.objects.filter(run_team_id=product.run_team_id).values_list("id", flat=True))
    notify_facts_changed(ids)
    return estimate


# --- team load (read) -------------------------------------------------------------------

UTILIZATION_LIMIT = 0.85  # the support-capacity criterion's line (default standard)


@dataclass(frozen=True)
class TeamLoad:
    team: Any
    load_hours: float  # expected support load of the products it runs (estimates)
    capacity_hours: float
    products: int  # non-retired products it runs that have an estimate

    @property
    def utilization(self) -> float | None:
        return round(self.load_hours / self.capacity_hours, 4) if self.capacity_hours else None

    @property
    def over(self) -> bool:
        return self.utilization is not None and self.utilization > UTILIZATION_LIMIT


def team_loads() -> list[TeamLoad]:
    """Each run team's expected support load against its weekly capacity, computed the
    way the ``support.utilization`` fact is (knowledge/facts.py): the estimates of every
    non-retired product it runs, over ``capacity_hours_per_week``. Two queries."""

    load: dict[int, float] = defaultdict(float)
    count: dict[int, int] = defaultdict(int)
    for team_id, hours in (
        Product.objects.filter(run_team__isnull=False, support_estimate__isnull=False)
        .exclude(stage="retire")
        .values_list("run_team_id", "support_estimate__hours_per_week")
    ):
        load[team_id] += hours
        count[team_id] += 1
    teams = Team.objects.filter(kind=Team.Kind.RUN).order_by("name")
    return [
        TeamLoad(
            team=t,
            load_hours=round(load[t.pk], 2),
            capacity_hours=t.capacity_hours_per_week,
            products=count[t.pk],
        )
        for t in teams
    ]
