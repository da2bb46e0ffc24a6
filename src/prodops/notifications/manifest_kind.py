"""The ``Channel`` kind of the config-as-code format.

``secret`` is a reference (``{env: NAME}`` or ``{file: PATH}``); export writes the
reference back, never the value it points to."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from prodops.core.actors import Actor
from prodops.core.errors import ProdOpsError
from prodops.manifests.registry import Document, ManifestError, Outcome
from prodops.notifications import services
from prodops.notifications.models import Channel
from prodops.notifications.schemas import ChannelMetadata, ChannelSpec


class ChannelKind:
    name = "Channel"
    order = 50
    key_field = "slug"
    spec_model: type[BaseModel] = ChannelSpec
    metadata_model = ChannelMetadata
    description = "A notification channel: email, Slack-compatible, Teams or a signed generic webhook."

    def apply(self, doc: Document, *, actor: Actor, dry_run: bool) -> Outcome:
        spec = doc.spec
        assert isinstance(spec, ChannelSpec)
        data = services.ChannelData(
            slug=doc.metadata["slug"],
            name=doc.metadata.get("name") or doc.metadata["slug"],
            type=spec.type,
            url=spec.url,
            secret=spec.secret.ref() if spec.secret else {},
            events=list(spec.events),
            products=spec.products.model_dump(exclude_defaults=True) if spec.products else {},
        )
        try:
            _, outcome = services.save_channel(actor=actor, data=data)
        except ProdOpsError as exc:
            raise ManifestError(exc.message, field=f"spec.{exc.field}" if exc.field else "") from None
        return outcome  # type: ignore[return-value]

    def export(self) -> Iterable[dict[str, Any]]:
        for channel in Channel.objects.order_by("slug"):
            spec: dict[str, Any] = {"type": channel.type, "url": channel.url}
            if channel.secret:
                spec["secret"] = dict(channel.secret)  # the reference only
            spec["events"] = list(channel.events)
            if channel.products:
                spec["products"] = dict(channel.products)
            yield {
                "apiVersion": "prodops/v1",
                "kind": self.name,
                "metadata": {"slug": channel.slug, "name": channel.name},
                "spec": spec,
            }
