"""The risk register and the known-error database: validated, audited writes, and
ranked search.

Bad input raises ``prodops.core.errors.InvalidInput`` naming the field;
nothing is saved. The shell owns the transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.utils import timezone

from prodops.accounts import policy
from prodops.audit.services import diff, record
from prodops.catalog.models import Product
from prodops.catalog.services import person_by_email
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, Refused, invalid_from
from prodops.core.signals import notify_facts_changed
from prodops.risks import search as fulltext
from prodops.risks.models import KnownError, Risk

_UNSET: Any = object()


def _risk_state(risk: Risk) -> dict[str, Any]:
    return {
        "title": risk.title,
        "description": risk.description,
        "likelihood": risk.likelihood,
        "impact": risk.impact,
        "owner": risk.owner.email if risk.owner else None,
        "mitigation": risk.mitigation,
        "status": risk.status,
        "next_review": risk.next_review.isoformat() if risk.next_review else None,
    }


def _clean_risk(risk: Risk) -> None:
    # score is derived; full_clean would complain it is empty on a new risk.
    try:
        risk.full_clean(exclude=["score"])
    except ValidationError as exc:
        raise invalid_from(exc) from None


def _full_clean(obj: Any) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise invalid_from(exc) from None


def create_risk(
    *,
    actor: Actor,
    product: Product,
    title: str,
    likelihood: int,
    impact: int,
    next_review: date,
    description: str = "",
    owner_email: str | None = None,
    mitigation: str = "",
    status: str = Risk.Status.OPEN,
) -> Risk:
    policy.require(actor, "evidence.edit", product)
    owner = person_by_email(owner_email, field="owner") if owner_email else None
    risk = Risk(
        product=product,
        title=(title or "").strip(),
        description=description or "",
        likelihood=likelihood,
        impact=impact,
        owner=owner,
        mitigation=mitigation or "",
        status=status,
        next_review=next_review,
    )
    _clean_risk(risk)
    risk.save()
    record(actor=actor, action="risk.create", obj=risk, product=product, changes=_risk_state(risk))
    notify_facts_changed([product.id])
    return risk


def update_risk(*, actor: Actor, risk: Risk, **changes: Any) -> bool:
    """Change the given fields (title, description, likelihood, impact, owner_email,
    mitigation, status, next_review). Returns True if anything changed."""
    policy.require(actor, "evidence.edit", risk.product)
    allowed = {
        "title",
        "description",
        "likelihood",
        "impact",
        "owner_email",
        "mitigation",
        "status",
        "next_review",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput("Not a field of a risk.", field=sorted(unknown)[0])
    before = _risk_state(risk)
    for name, value in changes.items():
        if name == "owner_email":
            risk.owner = person_by_email(value, field="owner") if value else None
        elif name in {"title", "description", "mitigation"}:
            setattr(risk, name, (value or "").strip() if name == "title" else (value or ""))
        else:
            setattr(risk, name, value)
    delta = diff(before, _risk_state(risk))
    if not delta:
        return False
    _clean_risk(risk)
    risk.save()
    record(actor=actor, action="risk.update", obj=risk, product=risk.product, changes=delta)
    notify_facts_changed([risk.product_id])
    return True


def delete_risk(*, actor: Actor, risk: Risk) -> None:
    product = risk.product
    policy.require(actor, "evidence.edit", product)
    record(actor=actor, action="risk.delete", obj=risk, product=product, changes=_risk_state(risk))
    try:
        risk.delete()
    except ProtectedError:
        # A waiver accepted this risk: the register keeps it as the waiver's evidence.
        raise Refused(f"{risk.ref} is linked to a waiver; close it instead of deleting it") from None
    notify_facts_changed([product.id])


# --- known errors ---------------------------------------------------------------------


def _ke_state(ke: KnownError) -> dict[str, Any]:
    return {
        "title": ke.title,
        "symptom": ke.symptom,
        "cause": ke.cause,
        "workaround": ke.workaround,
        "defect_id": ke.defect_id,
        "status": ke.status,
    }


def create_known_error(
    *,
    actor: Actor,
    product: Product,
    title: str,
    symptom: str,
    cause: str = "",
    workaround: str = "",
    defect_id: str = "",
    status: str = KnownError.Status.OPEN,
) -> KnownError:
    policy.require(actor, "evidence.edit", product)
    ke = KnownError(
        product=product,
        title=(title or "").strip(),
        symptom=(symptom or "").strip(),
        cause=cause or "",
        workaround=(workaround or "").strip(),
        defect_id=(defect_id or "").strip(),
        status=status,
    )
    _full_clean(ke)
    ke.save()
    record(actor=actor, action="known_error.create", obj=ke, product=product, changes=_ke_state(ke))
    notify_facts_changed([product.id])
    return ke


def update_known_error(*, actor: Actor, known_error: KnownError, **changes: Any) -> bool:
    policy.require(actor, "evidence.edit", known_error.product)
    allowed = {"title", "symptom", "cause", "workaround", "defect_id", "status"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput("Not a field of a known error.", field=sorted(unknown)[0])
    before = _ke_state(known_error)
    for name, value in changes.items():
        setattr(known_error, name, (value or "").strip() if name != "cause" else (value or ""))
    delta = diff(before, _ke_state(known_error))
    if not delta:
        return False
    _full_clean(known_error)
    known_error.save()
    record(
        actor=actor, action="known_error.update", obj=known_error, product=known_error.product, changes=delta
    )
    notify_facts_changed([known_error.product_id])
    return True


def delete_known_error(*, actor: Actor, known_error: KnownError) -> None:
    product = known_error.product
    policy.require(actor, "evidence.edit", product)
    record(
        actor=actor,
        action="known_error.delete",
        obj=known_error,
        product=product,
        changes=_ke_state(known_error),
    )
    known_error.delete()
    notify_facts_changed([product.id])


def search_known_errors(
    *, text: str, product: Product | None = None, limit: int = 20
) -> list[tuple[KnownError, float]]:
    """Known errors ranked by how well they match ``text`` (best first), with their
    relevance (higher is better; comparable within one search only)."""
    hits = fulltext.search(text, product_id=product.id if product else None, limit=limit)
    by_id = KnownError.objects.select_related("product").in_bulk([pk for pk, _ in hits])
    return [(by_id[pk], rank) for pk, rank in hits if pk in by_id]


def waivers_relying_on(risk: Risk, *, active_only: bool = True) -> list[Any]:
    """The readiness waivers that accept this risk (linked to it), so an accepted risk
    shows which gate exceptions depend on it."""
    qs = risk.waivers.all()  # the reverse of readiness.Waiver.risk: no import of readiness
    if active_only:
        qs = qs.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    return list(qs.order_by("expires_at"))


def list_known_errors(*, product: Product | None = None, status: str = "", workaround: str = "") -> Any:
    """Known errors for browsing, newest first: of one product or all, by status
    (``open``/``resolved``) and with or without a workaround (``with``/``without``)."""
    qs = KnownError.objects.select_related("product")
    if product is not None:
        qs = qs.filter(product=product)
    if status in KnownError.Status.values:
        qs = qs.filter(status=status)
    if workaround == "with":
        qs = qs.exclude(workaround="")
    elif workaround == "without":
        qs = qs.filter(workaround="")
    return qs.order_by("-id")
