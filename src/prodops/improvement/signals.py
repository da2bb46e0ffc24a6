"""Open a retrospective when a transition into warranty or operate, or a handback, executes."""

from __future__ import annotations

from typing import Any

from prodops.lifecycle.models import Transition


def transition_saved(sender: Any, instance: Transition, **kwargs: Any) -> None:
    if instance.status != Transition.Status.EXECUTED:
        return
    from prodops.improvement import services

    if services.opens_retrospective(instance):
        services.open_retrospective(transition=instance)
