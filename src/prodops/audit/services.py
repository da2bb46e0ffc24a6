"""Record changes in the append-only audit log. Every service that writes calls ``record``."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from prodops.audit.models import AuditEntry
from prodops.core.actors import Actor


def record(
    *,
    actor: Actor,
    action: str,
    obj: models.Model,
    product: Any = None,
    changes: dict[str, Any] | None = None,
    decision: Any = None,
) -> AuditEntry:
    """``decision``: the policy's answer; an override (an admin signing for a lead, acting
    on someone's behalf) is recorded with its reason, never as the lead's own act."""
    changes = dict(changes or {})
    if decision is not None and getattr(decision, "override", False):
        changes["override"] = [None, actor.reason.strip()]
    user: Any = actor.user if actor.user is not None and actor.user.pk else None
    return AuditEntry.objects.create(
        at=timezone.now(),
        actor=actor.label[:254],
        via=actor.via,
        user=user,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        product=product,
        changes=changes,
    )


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as ``{field: [old, new]}``."""
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}
