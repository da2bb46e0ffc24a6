"""The Person, Team and Product kinds of the config-as-code format.

Registered in ``CatalogConfig.ready()``. The Product kind's spec grows with the product
sections other apps register (e.g. ``docs``), so its model is built on first use, after
every app is ready.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, create_model

from prodops.catalog import services
from prodops.catalog.models import Person, Product, Team
from prodops.catalog.schemas import (
    PersonMetadata,
    PersonSpec,
    ProductMetadata,
    ProductSpec,
    TeamMetadata,
    TeamSpec,
    plain,
)
from prodops.core.actors import Actor
from prodops.manifests.registry import ApplyOptions, Document, ManifestError, Outcome, product_sections

API_VERSION = "prodops/v1"


def _envelope(kind: str, metadata: dict[str, Any], spec: dict[str, Any] | None) -> dict[str, Any]:
    document: dict[str, Any] = {"apiVersion": API_VERSION, "kind": kind, "metadata": metadata}
    if spec:
        document["spec"] = spec
    return document


def _manifest_error(exc: services.CatalogError) -> ManifestError:
    return ManifestError(exc.message, field=f"spec.{exc.field}" if exc.field else "")


class PersonKind:
    name = "Person"
    order = 10
    key_field = "email"
    spec_model: type[BaseModel] = PersonSpec
    metadata_model = PersonMetadata
    description = "A person, identified by email (stored lower-case)."

    def apply(self, doc: Document, *, actor: Actor, dry_run: bool) -> Outcome:
        _, outcome = services.upsert_person(
            actor=actor, email=doc.metadata["email"], name=doc.metadata["name"]
        )
        return outcome

    def export(self) -> Iterable[dict[str, Any]]:
        for person in Person.objects.order_by("email"):
            metadata = {"email": person.email}
            if person.name:
                metadata["name"] = person.name
            yield _envelope(self.name, metadata, None)


class TeamKind:
    name = "Team"
    order = 20
    key_field = "slug"
    spec_model: type[BaseModel] = TeamSpec
    metadata_model = TeamMetadata
    description = "A build, run or business team with its members and weekly capacity."

    def apply(self, doc: Document, *, actor: Actor, dry_run: bool) -> Outcome:
        assert isinstance(doc.spec, TeamSpec)
        try:
            _, outcome = services.upsert_team(
                actor=actor, slug=doc.metadata["slug"], name=doc.metadata["name"], spec=doc.spec
            )
        except services.CatalogError as exc:
            raise _manifest_error(exc) from None
        return outcome

    def export(self) -> Iterable[dict[str, Any]]:
        for team in Team.objects.order_by("slug").prefetch_related("members"):
            spec = services.team_spec(team).model_dump(exclude_defaults=True)
            spec["kind"] = team.kind
            if "capacity_hours_per_week" in spec:
                spec["capacity_hours_per_week"] = plain(spec["capacity_hours_per_week"])
            ordered = {k: spec[k] for k in TeamSpec.model_fields if k in spec}
            yield _envelope(self.name, {"slug": team.slug, "name": team.name}, ordered)


class ProductKind:
    name = "Product"
    order = 40
    key_field = "slug"
    metadata_model = ProductMetadata
    description = "A product with its two leads (build and run), teams, SLOs and policies."

    _models: dict[tuple[str, ...], type[BaseModel]] = {}

    @property
    def spec_model(self) -> type[BaseModel]:
        sections = product_sections()
        key = tuple(s.name for s in sections)
        if not key:
            return ProductSpec
        if key not in self._models:
            fields: dict[str, Any] = {s.name: (s.value_model | None, None) for s in sections}
            self._models[key] = create_model("ProductSpecWithSections", __base__=ProductSpec, **fields)
        return self._models[key]

    handles_prune = True

    def apply(
        self, doc: Document, *, actor: Actor, dry_run: bool, options: ApplyOptions | None = None
    ) -> Outcome:
        options = options or ApplyOptions()
        slug = doc.metadata["slug"]
        stated = set(doc.spec.model_fields_set)
        given = ProductSpec.model_construct(**{k: getattr(doc.spec, k) for k in ProductSpec.model_fields})
        existing = (
            Product.objects.select_related("build_lead", "run_lead", "build_team", "run_team")
            .filter(slug=slug)
            .first()
        )
        core = given
        if existing is not None:
            current = services.product_spec(existing)
            if options.prune:
                _note_pruned(slug, current, given, options)
            else:
                core = _merged(current, given, stated)
        try:
            product, outcome = services.save_product(
                actor=actor, slug=slug, name=doc.metadata["name"], spec=core
            )
        except services.CatalogError as exc:
            raise _manifest_error(exc) from None
        changed = False
        for section in product_sections():
            if section.name not in stated and not options.prune and existing is not None:
                continue  # a section the file leaves out stays as it is
            value = getattr(doc.spec, section.name, None)
            if getattr(section, "handles_prune", False):
                pruning_apply: Any = section.apply  # the optional 'options' (see ApplyOptions)
                changed |= bool(pruning_apply(product, value, actor=actor, dry_run=dry_run, options=options))
            elif section.apply(product, value, actor=actor, dry_run=dry_run):
                changed = True
        if changed and outcome == "unchanged":
            return "updated"
        return outcome

    def export(self) -> Iterable[dict[str, Any]]:
        products = (
            Product.objects.order_by("slug")
            .select_related("build_lead", "run_lead", "build_team", "run_team")
            .prefetch_related("stakeholders__person", "slos")
        )
        sections = product_sections()
        for product in products:
            spec = services.product_spec(product).model_dump(exclude_defaults=True)
            spec["owners"] = services.product_spec(product).owners.model_dump()
            spec = {k: spec[k] for k in ProductSpec.model_fields if k in spec}
            for section in sections:
                value = section.export(product)
                if value is not None:
                    spec[section.name] = value
            yield _envelope(self.name, {"slug": product.slug, "name": product.name}, spec)


# --- applying a product file: merge by default, exact with --prune ------------------------

# Collections merged item by item (the key of an item), so records the file does not
# list stay; every other stated field is replaced by the file's value.
_MERGED_LISTS: dict[str, Any] = {
    "slos": lambda item: item["name"],
    "stakeholders": lambda item: (item["function"], item["person"]),
}
_MERGED_MAPS = ("links", "integrations", "facts")


def _merged(current: ProductSpec, given: ProductSpec, stated: set[str]) -> ProductSpec:
    """The current product with the fields the file states: lists and maps gain or
    update the file's items and keep the others; the fields it leaves out keep their
    values."""
    now = current.model_dump(mode="json")
    new = given.model_dump(mode="json")
    for name in stated & set(ProductSpec.model_fields):
        if name in _MERGED_LISTS:
            key = _MERGED_LISTS[name]
            items = {key(item): item for item in now[name]}
            items.update({key(item): item for item in new[name]})
            now[name] = list(items.values())
        elif name in _MERGED_MAPS:
            now[name] = {**now[name], **new[name]}
        else:
            now[name] = new[name]
    return ProductSpec.model_validate(now)


def _note_pruned(slug: str, current: ProductSpec, given: ProductSpec, options: ApplyOptions) -> None:
    """Name what making the product match the file exactly removes."""
    now, new = current.model_dump(mode="json"), given.model_dump(mode="json")
    where = f"product/{slug}"
    for name, key in _MERGED_LISTS.items():
        kept = {key(item) for item in new[name]}
        for item in now[name]:
            if key(item) not in kept:
                label = item["name"] if name == "slos" else f"{item['person']} ({item['function']})"
                options.note_deleted(f"{where} {name[:-1]} {label}")
    for name in _MERGED_MAPS:
        for item in sorted(set(now[name]) - set(new[name])):
            options.note_deleted(f"{where} {name[:-1] if name != 'facts' else 'fact'} {item}")
    for name in ("oncall", "warranty", "go_live"):
        if now[name] not in (None, {}) and new[name] in (None, {}):
            options.note_deleted(f"{where} {name} (cleared)")
