"""What the readiness app listens to and provides once apps are ready: facts that
changed queue a re-evaluation, the Standard kind of ``prodops apply``, and the stages a
product on a standard may be in (for the catalog, which does not import readiness).
Connected once, from ``ReadinessConfig.ready``."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from prodops.catalog.services import set_stages_provider
from prodops.core.signals import facts_changed
from prodops.manifests.registry import register_kind
from prodops.readiness.manifest_kind import StandardKind
from prodops.readiness.services import ReadinessError, get_standard, request_reevaluation

log = logging.getLogger(__name__)


def _reevaluate(sender: Any, product_ids: list[int], **kwargs: Any) -> None:
    """Queue a re-evaluation of the products whose facts changed (one pending task per
    product, however many changes); the worker evaluates them off the request path.
    Runs after the writer's commit; a failure here must not fail the write that
    triggered it, so it is logged (the nightly evaluation catches up)."""
    try:
        with transaction.atomic():
            request_reevaluation(product_ids=product_ids)
    except Exception:
        log.exception("queueing the re-evaluation of products %s failed", product_ids[:20])


def _stages_of(slug: str) -> tuple[str, ...] | None:
    """The stages a product on this standard may be in (None: the default stages)."""
    try:
        return get_standard(slug).stages
    except ReadinessError:
        return None


def connect() -> None:
    facts_changed.connect(_reevaluate, dispatch_uid="prodops.readiness.reevaluate")
    register_kind(StandardKind())
    set_stages_provider(_stages_of)
