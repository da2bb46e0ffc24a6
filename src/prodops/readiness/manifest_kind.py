"""The ``Standard`` kind of the config-as-code format (see ``readiness/spec.py``).

Applied after people and teams and before products (order 30), so a product in the same
file may name a standard defined there. A rule with a syntax error or naming an unknown
fact is refused with the criterion id and the line and column inside the rule; the
framework adds the file, document and line of the ``rule`` field.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from prodops.core.actors import Actor
from prodops.manifests.registry import Document, ManifestError, Outcome
from prodops.readiness import services
from prodops.readiness.models import Standard
from prodops.readiness.spec import StandardSpec


class StandardMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
    name: str = ""


class StandardKind:
    name = "Standard"
    order = 30
    key_field = "slug"
    spec_model: type[BaseModel] = StandardSpec
    metadata_model = StandardMetadata
    description = "A readiness standard: criteria (CEL rules over facts, or attestations) per gate."

    def apply(self, doc: Document, *, actor: Actor, dry_run: bool) -> Outcome:
        slug = doc.metadata["slug"]
        try:
            outcome = services.apply_standard(
                actor=actor,
                slug=slug,
                name=doc.metadata.get("name") or slug,
                spec=doc.spec.model_dump(),
                dry_run=dry_run,
            )
        except services.ReadinessError as exc:
            raise ManifestError(exc.message.removeprefix(f"{exc.field}: "), field=exc.field) from None
        return outcome  # type: ignore[return-value]

    def export(self) -> Iterable[dict[str, Any]]:
        for standard in Standard.objects.order_by("slug"):
            yield {
                "apiVersion": "prodops/v1",
                "kind": self.name,
                "metadata": {"slug": standard.slug, "name": standard.name},
                "spec": standard.spec,
            }
