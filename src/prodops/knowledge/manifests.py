"""The ``docs`` section of a Product manifest (config as code)::

    spec:
      docs:
        - {kind: runbook, title: Payments runbook, url: "https://wiki/pay/runbook", reviewed: 2026-10-01}
        - {kind: faq, title: FAQ, body: "# Questions\\n...", owner: carol@example.com}

A document is identified by (kind, title) inside its product. Applying creates or
updates the listed ones and keeps the others (documents added in the web stay); with
``prodops apply --prune`` the product's documents match the list exactly, and the ones
removed are named (an omitted ``docs`` field then means "no documents").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from prodops.core.errors import InvalidInput
from prodops.core.validation import SaneDate
from prodops.manifests.registry import ApplyOptions, ManifestError

if TYPE_CHECKING:
    from prodops.catalog.models import Product
    from prodops.core.actors import Actor
from prodops.catalog.models import Person
from prodops.knowledge import services
from prodops.knowledge.models import Document, doc_kinds


class DocSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str
    title: str = Field(min_length=1, max_length=200)
    url: str | None = None
    body: str | None = Field(default=None, description="Inline Markdown, when there is no URL.")
    owner: str | None = Field(default=None, description="Email of the owner (a Person).")
    reviewed: SaneDate | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:

        if value not in doc_kinds():
            raise ValueError(f"unknown document kind {value!r}; expected one of: {', '.join(doc_kinds())}")
        return value

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a document needs a title")
        return value.strip()

    @model_validator(mode="after")
    def _url_or_body(self) -> DocSpec:
        if not self.url and not self.body:
            raise ValueError("give a url or an inline Markdown body")
        return self


def _wanted(doc: DocSpec) -> dict[str, Any]:
    return {
        "url": doc.url or "",
        "body": doc.body or "",
        "owner": (doc.owner or "").strip().lower() or None,
        "reviewed": doc.reviewed,
    }


def _current(doc: Any) -> dict[str, Any]:
    return {
        "url": doc.url,
        "body": doc.body,
        "owner": doc.owner.email if doc.owner else None,
        "reviewed": doc.reviewed,
    }


class DocsSection:
    name = "docs"
    value_model: Any = list[DocSpec]
    handles_prune = True

    def apply(
        self,
        product: Product,
        value: Any,
        *,
        actor: Actor,
        dry_run: bool,
        options: ApplyOptions | None = None,
    ) -> bool:
        prune = options.prune if options is not None else True

        wanted: list[DocSpec] = list(value or [])
        seen: dict[tuple[str, str], int] = {}
        for i, doc in enumerate(wanted):
            key = (doc.kind, doc.title)
            if key in seen:
                raise ManifestError(
                    f"duplicate document {doc.kind} {doc.title!r} (also item {seen[key]})",
                    field=f"spec.docs.{i}.title",
                )
            seen[key] = i
            if doc.owner and not Person.objects.filter(email=doc.owner.strip().lower()).exists():
                raise ManifestError(f"no person with email {doc.owner!r}", field=f"spec.docs.{i}.owner")

        existing = {
            (d.kind, d.title): d for d in Document.objects.filter(product=product).select_related("owner")
        }
        changed = False
        for key, old in existing.items():
            if key not in seen and prune:
                changed = True
                if options is not None:
                    options.note_deleted(f"product/{product.slug} doc {old.kind} {old.title!r}")
                if not dry_run:
                    services.delete_document(actor=actor, document=old)
        for i, spec in enumerate(wanted):
            fields = _wanted(spec)
            current = existing.get((spec.kind, spec.title))
            if current is not None and _current(current) == fields:
                continue
            changed = True
            if dry_run:
                continue
            try:
                if current is None:
                    services.create_document(
                        actor=actor,
                        product=product,
                        kind=spec.kind,
                        title=spec.title,
                        url=fields["url"],
                        body=fields["body"],
                        owner_email=fields["owner"],
                        reviewed=fields["reviewed"],
                    )
                else:
                    services.update_document(
                        actor=actor,
                        document=current,
                        url=fields["url"],
                        body=fields["body"],
                        owner_email=fields["owner"],
                        reviewed=fields["reviewed"],
                    )
            except InvalidInput as exc:
                raise ManifestError(exc.message, field=f"spec.docs.{i}.{exc.field}".rstrip(".")) from None
        return changed

    def export(self, product: Product) -> Any:

        out: list[dict[str, Any]] = []
        for doc in Document.objects.filter(product=product).select_related("owner").order_by("kind", "title"):
            item: dict[str, Any] = {"kind": doc.kind, "title": doc.title}
            if doc.url:
                item["url"] = doc.url
            if doc.body:
                item["body"] = doc.body
            if doc.owner:
                item["owner"] = doc.owner.email
            if doc.reviewed:
                item["reviewed"] = doc.reviewed.isoformat()
            out.append(item)
        return out or None
