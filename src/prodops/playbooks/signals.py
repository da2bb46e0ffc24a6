"""What playbooks listen to: facts that changed (waiting steps), executed transitions
(triggered playbooks) and people added to a team (onboarding). Connected once, from
``PlaybooksConfig.ready``."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from prodops.catalog.models import Product, Team
from prodops.core.signals import facts_changed, team_members_added, transition_executed
from prodops.knowledge.facts import register_newcomers
from prodops.manifests.registry import register_kind
from prodops.playbooks.manifest_kind import PlaybookKind
from prodops.playbooks.services import (
    newcomers_by_team,
    on_facts_changed,
    on_members_added,
    on_transition_executed,
)

log = logging.getLogger(__name__)


def _guarded(what: str, fn: Any, **kwargs: Any) -> None:
    """Run a listener in its own transaction after the writer's commit: a failure here
    must not undo or fail the write that triggered it, so it is logged."""
    try:
        with transaction.atomic():
            fn(**kwargs)
    except Exception:
        log.exception("playbooks: %s failed", what)


def _facts_changed(sender: Any, product_ids: list[int], **kwargs: Any) -> None:
    _guarded("checking waiting steps", on_facts_changed, product_ids=product_ids)


def _transition_executed(sender: Any, product_id: int, to_stage: str, **kwargs: Any) -> None:
    product = Product.objects.filter(pk=product_id).first()
    if product is not None:
        _guarded("starting triggered playbooks", on_transition_executed, product=product, to_stage=to_stage)


def _members_added(sender: Any, team_id: int, person_ids: list[int], **kwargs: Any) -> None:
    team = Team.objects.filter(pk=team_id).first()
    if team is not None:
        _guarded("starting onboarding", on_members_added, team=team, person_ids=person_ids)


def connect() -> None:
    register_kind(PlaybookKind())
    facts_changed.connect(_facts_changed, dispatch_uid="prodops.playbooks.facts_changed")
    transition_executed.connect(_transition_executed, dispatch_uid="prodops.playbooks.transition")
    team_members_added.connect(_members_added, dispatch_uid="prodops.playbooks.members_added")
    register_newcomers(newcomers_by_team)
