from __future__ import annotations

import logging
from typing import Any

from django.apps import AppConfig

log = logging.getLogger(__name__)


def _reevaluate(sender: Any, product_ids: list[int], **kwargs: Any) -> None:
    """Re-evaluate the products whose facts changed. Runs after the writer's commit; a
    failure here must not undo or fail the write that triggered it, so it is logged."""
    from django.db import transaction

    from prodops.readiness.services import evaluate_products

    try:
        with transaction.atomic():
            evaluate_products(product_ids=product_ids)
    except Exception:
        log.exception("re-evaluating products %s failed", product_ids[:20])


class ReadinessConfig(AppConfig):
    name = "prodops.readiness"
    label = "readiness"
    verbose_name = "Readiness"

    def ready(self) -> None:
        from prodops.core.signals import facts_changed

        facts_changed.connect(_reevaluate, dispatch_uid="prodops.readiness.reevaluate")
