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
from prodops.manifests.registry import Document, ManifestError, Outcome, product_sections

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

    def apply(self, doc: Document, *, actor: Actor, dry_run: bool) -> Outcome:
        core = ProductSpec.model_construct(**{k: getattr(doc.spec, k) for k in ProductSpec.model_fields})
        try:
            product, outcome = services.save_product(
                actor=actor, slug=doc.metadata["slug"], name=doc.metadata["name"], spec=core
            )
        except services.CatalogError as exc:
            raise _manifest_error(exc) from None
        changed = False
        for section in product_sections():
            value = getattr(doc.spec, section.name, None)
            if section.apply(product, value, actor=actor, dry_run=dry_run):
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
