"""Open a retrospective when a transition into warranty or operate, or a handback, executes."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from prodops.improvement import services
from prodops.lifecycle.models import Transition


def transition_saved(sender: Any, instance: Transition, **kwargs: Any) -> None:
    if instance.status != Transition.Status.EXECUTED:
        return
    if services.opens_retrospective(instance):
        services.open_retrospective(transition=instance)


def connect() -> None:
    """Called once from ``ImprovementConfig.ready``."""
    post_save.connect(transition_saved, sender=Transition, dispatch_uid="improvement.retrospective")
