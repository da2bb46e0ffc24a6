"""Periodic jobs of the knowledge app."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from prodops.core.actors import Actor
from prodops.core.tasks import periodic
from prodops.knowledge.models import Document
from prodops.notifications.services import notify, team_members


@periodic("knowledge.stale-documents", every=timedelta(days=1))
def stale_documents(now: datetime) -> None:
    """Tell the run lead and the run team about documents not reviewed for
    PRODOPS_DOC_STALE_DAYS (once per document and review date)."""
    cutoff = now.date() - timedelta(days=settings.PRODOPS_DOC_STALE_DAYS)
    stale = Document.objects.filter(reviewed__lt=cutoff).select_related("product__run_lead", "owner")
    with transaction.atomic():
        for doc in stale:
            product = doc.product
            recipients = [product.run_lead, *team_members(product, role="run_team")]
            if doc.owner is not None:
                recipients.append(doc.owner)
            notify(
                event="document.stale",
                product=product,
                actor=Actor.task("knowledge.stale-documents"),
                subject={
                    "document": doc.pk,
                    "title": doc.title,
                    "kind": doc.kind,
                    "reviewed": doc.reviewed.isoformat() if doc.reviewed else None,
                    "age_days": (now.date() - doc.reviewed).days if doc.reviewed else None,
                },
                recipients=recipients,
                key=f"document:{doc.pk}:{doc.reviewed}",
            )
