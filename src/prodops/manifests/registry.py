"""Extension points of the config-as-code format (``apiVersion: prodops/v1``).

Two registries, filled by the apps that own the data, so that the format grows with the
apps and the ``manifests`` app never imports them:

* **Kinds** — a top-level document kind (``Person``, ``Team``, ``Product``, ``Standard``).
  A kind validates its ``spec`` with a pydantic model (``extra="forbid"``, so a misspelt
  field is an error), applies one document idempotently, and exports every object of
  the kind as documents that apply back to the same state.
* **Product sections** — a field of ``Product.spec`` owned by another app (for example
  ``docs``, owned by the knowledge app). The Product kind validates, applies and exports
  each registered section.

Register in the owning app's ``AppConfig.ready()``::

    from prodops.manifests.registry import register_kind
    register_kind(StandardKind())

Kinds are applied in ascending ``order`` (people before teams before standards before
products), within one transaction owned by the caller. Orders in use: Person 10, Team 20,
Standard 30, Product 40.

Dry runs: the caller applies everything inside one transaction and rolls it back at the
end, so a kind may write normally when ``dry_run`` is true (later documents of the same
apply then see its objects, e.g. a product naming a team created two documents earlier).
``dry_run`` only asks a kind to skip effects outside the database.

Optional attributes a kind may add (the framework checks with ``getattr``):

* ``metadata_model``: a pydantic model for ``metadata`` (default: the key field, required,
  and an optional ``name``; other fields are errors).
* ``description``: one line for the JSON Schema and the docs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel

if TYPE_CHECKING:
    from prodops.catalog.models import Product
    from prodops.core.actors import Actor

Outcome = Literal["created", "updated", "unchanged"]


class ManifestError(Exception):
    """Bad input in a manifest. ``field`` is a dotted path inside the document
    (e.g. ``spec.owners.run_lead``); the framework adds file, document and line."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Document:
    """One validated document: ``metadata`` as given, ``spec`` as the kind's model."""

    kind: str
    metadata: dict[str, Any]
    spec: BaseModel

    @property
    def key(self) -> str:
        return str(self.metadata.get("slug") or self.metadata.get("email") or "")


@dataclass
class ApplyOptions:
    """How an apply treats what a file does not mention.

    Without ``prune`` (the default) an apply changes only what the file states: fields it
    leaves out keep their values, and records it does not list (documents, SLOs, links,
    stakeholders added in the web or the API) stay. With ``prune`` the object is made to
    match the file exactly, and every record or value removed that way is named in
    ``deleted`` (the same list on a dry run, so ``--prune --dry-run`` shows what would go).

    A kind or product section that honours these sets ``handles_prune = True`` and takes
    ``options=`` in ``apply``; others are called as before, and a product section the
    file leaves out is then not applied at all unless pruning."""

    prune: bool = False
    deleted: list[str] = field(default_factory=list)

    def note_deleted(self, what: str) -> None:
        self.deleted.append(what)


class Kind(Protocol):
    """A top-level document kind. Optional: ``metadata_model``, ``description``."""

    name: str  # e.g. "Product"
    order: int  # lower applies first
    key_field: str  # the metadata field that identifies an object: "slug" or "email"

    @property
    def spec_model(self) -> type[BaseModel]:
        """The pydantic model of ``spec`` (a plain class attribute satisfies this too)."""
        ...

    def apply(self, doc: Document, *, actor: Actor, dry_run: bool) -> Outcome:
        """Create or update the object so it matches the document. Raise ManifestError
        for references that do not resolve. With dry_run, compute the outcome only."""
        ...

    def export(self) -> Iterable[dict[str, Any]]:
        """Every object of this kind as a full document (apiVersion, kind, metadata,
        spec), in a stable order, with defaults omitted."""
        ...


class ProductSection(Protocol):
    name: str  # the field of Product.spec, e.g. "docs"
    value_model: Any  # a type pydantic can validate, e.g. list[DocSpec]

    def apply(self, product: Product, value: Any, *, actor: Actor, dry_run: bool) -> bool:
        """Make the product's section match ``value`` (None: the field was omitted,
        which means "none"). Return True if anything changed (or would change)."""
        ...

    def export(self, product: Product) -> Any:
        """The section as plain data, or None when empty (the field is then omitted)."""
        ...


_kinds: dict[str, Kind] = {}
_sections: dict[str, ProductSection] = {}


def register_kind(kind: Kind) -> None:
    _kinds[kind.name] = kind


def register_product_section(section: ProductSection) -> None:
    _sections[section.name] = section


def kinds() -> list[Kind]:
    return sorted(_kinds.values(), key=lambda k: (k.order, k.name))


def get_kind(name: str) -> Kind | None:
    return _kinds.get(name)


def product_sections() -> list[ProductSection]:
    return [_sections[name] for name in sorted(_sections)]
