"""The web application's view of the other domain apps.

Each function asks one app's services for what a page shows. The product page and the
dashboard are built from these, so a capability appears on the pages as soon as its app
provides it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from prodops.catalog.models import Product


@dataclass(frozen=True)
class WarrantyEnd:
    product: Product
    ends: date


def warranties_ending(
    products: Any, *, today: date, within_days: int = 30, limit: int = 10
) -> list[WarrantyEnd]:
    """Products in warranty whose policy's maximum length ends within ``within_days``.

    The policy's ``max_days`` after go-live is the latest the warranty may end; the
    warranty app's forecast may end it sooner.
    """
    rows = (
        products.filter(stage="warranty", go_live__isnull=False)
        .select_related(None)
        .only("id", "slug", "name", "go_live", "warranty")
    )
    result = []
    for product in rows.iterator():
        max_days = (product.warranty or {}).get("max_days")
        if not isinstance(max_days, int):
            continue
        ends = product.go_live + timedelta(days=max_days)
        if ends <= today + timedelta(days=within_days):
            result.append(WarrantyEnd(product=product, ends=ends))
    result.sort(key=lambda w: w.ends)
    return result[:limit]


@dataclass(frozen=True)
class Readiness:
    """A product's readiness for its next gate."""

    gate: str
    passed: int
    total: int
    failing_blocking: int

    @property
    def percent(self) -> int:
        return round(100 * self.passed / self.total) if self.total else 100


def readiness_for(products: list[Product]) -> dict[int, Readiness]:
    """Readiness for the next gate of each product, in one batch."""
    return {}


def blocked_gates(products: Any, *, limit: int) -> list[Any]:
    return []


def expiring_waivers(products: Any, *, today: date, within_days: int, limit: int) -> list[Any]:
    return []


def standards() -> list[Any]:
    return []


def product_sections(product: Product, user: Any) -> dict[str, Any]:
    """What the domain apps contribute to the product page."""
    return {}


class ServiceError(ValueError):
    """A domain service refused a change; ``field_errors`` maps form fields to messages."""

    def __init__(self, message: str, field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.field_errors = field_errors or {}


FORM_FIELDS = {
    "owners.build_lead": "build_lead",
    "owners.run_lead": "run_lead",
    "teams.build": "build_team",
    "teams.run": "run_team",
}


def save_product(*, actor: Any, product: Product | None, data: dict[str, Any]) -> Product:
    """Create (``product`` None) or update a product through the catalog services."""
    from prodops.catalog import services as catalog
    from prodops.catalog.schemas import ProductSpec

    changes = {
        "description": data.get("description", ""),
        "tier": data["tier"],
        "tags": data.get("tags", []),
        "owners": {"build_lead": data["build_lead"], "run_lead": data["run_lead"]},
        "teams": {"build": data.get("build_team") or None, "run": data.get("run_team") or None},
    }
    try:
        if product is None:
            if Product.objects.filter(slug=data["slug"]).exists():
                raise ServiceError("taken", {"slug": ["A product with this slug already exists."]})
            try:
                spec = ProductSpec.model_validate(changes)
            except ValueError as exc:
                raise ServiceError(str(exc)) from None
            created, _ = catalog.save_product(actor=actor, slug=data["slug"], name=data["name"], spec=spec)
            return created
        updated, _ = catalog.update_product(
            actor=actor,
            product=product,
            changes={"name": data["name"], **changes},
            expected_version=data.get("version"),
        )
        return updated
    except catalog.StaleVersion as exc:
        raise ServiceError(
            f"{exc} Reload the page to see the latest version, then make your change again."
        ) from None
    except catalog.CatalogError as exc:
        field = FORM_FIELDS.get(exc.field, exc.field)
        raise ServiceError(exc.message, {field: [exc.message]}) from None
