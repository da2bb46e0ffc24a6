"""The ``Playbook`` kind of the config-as-code format (see ``playbooks/spec.py``).

Applied after standards and products (order 50): its conditions may read any fact.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput
from prodops.manifests.registry import Document, ManifestError, Outcome
from prodops.playbooks import services
from prodops.playbooks.models import Playbook
from prodops.playbooks.spec import PlaybookSpec


class PlaybookMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
    name: str = ""


class PlaybookKind:
    name = "Playbook"
    order = 50
    key_field = "slug"
    spec_model: type[BaseModel] = PlaybookSpec
    metadata_model = PlaybookMetadata
    description = "A repeatable process: steps (task, approval, evidence, wait_for) and a definition of done."

    def apply(self, doc: Document, *, actor: Actor, dry_run: bool) -> Outcome:
        slug = doc.metadata["slug"]
        try:
            outcome = services.apply_playbook(
                actor=actor,
                slug=slug,
                name=doc.metadata.get("name") or slug,
                spec=doc.spec.model_dump(mode="json"),
                dry_run=dry_run,
            )
        except InvalidInput as exc:
            raise ManifestError(exc.message, field=exc.field.removeprefix("spec.")) from None
        return outcome  # type: ignore[return-value]

    def export(self) -> Iterable[dict[str, Any]]:
        for playbook in Playbook.objects.order_by("slug"):
            yield {
                "apiVersion": "prodops/v1",
                "kind": self.name,
                "metadata": {"slug": playbook.slug, "name": playbook.name},
                "spec": playbook.current.spec,
            }
