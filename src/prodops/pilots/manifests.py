"""The ``pilot`` section of a Product manifest (config as code): the pilot plan.

An omitted ``pilot`` field means "no pilot plan" (applying removes one, like ``docs``);
observations, feedback and decisions are data, not config, and are kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prodops.core.errors import InvalidInput
from prodops.manifests.registry import ManifestError
from prodops.pilots.schemas import PilotSpec, dump

if TYPE_CHECKING:
    from prodops.catalog.models import Product
    from prodops.core.actors import Actor
from prodops.pilots import services
from prodops.pilots.models import Pilot


class PilotSection:
    name = "pilot"
    value_model: Any = PilotSpec

    def apply(self, product: Product, value: Any, *, actor: Actor, dry_run: bool) -> bool:

        if value is not None:
            problem = value.problem()
            if problem is not None:
                raise ManifestError(problem[1], field=f"spec.pilot.{problem[0]}")
        current = Pilot.objects.filter(product=product).values_list("plan", flat=True).first()
        wanted = dump(value) if value is not None else None
        if current == wanted:
            return False
        if dry_run:
            return True
        try:
            return services.set_plan(actor=actor, product=product, plan=value)
        except InvalidInput as exc:
            raise ManifestError(
                exc.message, field=f"spec.pilot.{exc.field}" if exc.field else "spec.pilot"
            ) from None

    def export(self, product: Product) -> Any:

        pilot = Pilot.objects.filter(product=product).first()
        return dict(pilot.plan) if pilot else None
