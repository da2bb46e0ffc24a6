"""The product page's sections that people add to in place (HTMX): documents, risks and
known errors. Each names its form, the service that writes, and what it shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms

from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.knowledge import services as knowledge
from prodops.knowledge.models import Document
from prodops.risks import services as risks
from prodops.risks.models import KnownError, Risk
from prodops.web.forms import DocumentForm, KnownErrorForm, RiskForm


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    form: type[forms.Form]
    create: Callable[..., Any]
    items: Callable[[Product], Any]
    template: str


def _create_document(*, actor: Actor, product: Product, data: dict[str, Any]) -> Any:

    return knowledge.create_document(
        actor=actor,
        product=product,
        kind=data["kind"],
        title=data["title"],
        url=data.get("url") or "",
        owner_email=data.get("owner_email") or None,
        reviewed=data.get("reviewed"),
    )


def _documents(product: Product) -> Any:

    return Document.objects.filter(product=product).select_related("owner")


def _create_risk(*, actor: Actor, product: Product, data: dict[str, Any]) -> Any:

    return risks.create_risk(
        actor=actor,
        product=product,
        title=data["title"],
        likelihood=data["likelihood"],
        impact=data["impact"],
        next_review=data["next_review"],
        mitigation=data.get("mitigation") or "",
        owner_email=data.get("owner_email") or None,
    )


def _risks(product: Product) -> Any:

    return Risk.objects.filter(product=product).select_related("owner").order_by("-score", "id")


def _create_known_error(*, actor: Actor, product: Product, data: dict[str, Any]) -> Any:

    return risks.create_known_error(
        actor=actor,
        product=product,
        title=data["title"],
        symptom=data["symptom"],
        cause=data.get("cause") or "",
        workaround=data.get("workaround") or "",
        defect_id=data.get("defect_id") or "",
    )


def _known_errors(product: Product) -> Any:

    return KnownError.objects.filter(product=product)


SECTIONS = {
    s.name: s
    for s in (
        Section(
            "documents",
            "Documents",
            DocumentForm,
            _create_document,
            _documents,
            "web/partials/documents.html",
        ),
        Section("risks", "Risks", RiskForm, _create_risk, _risks, "web/partials/risks.html"),
        Section(
            "known-errors",
            "Known errors",
            KnownErrorForm,
            _create_known_error,
            _known_errors,
            "web/partials/known_errors.html",
        ),
    )
}


def context(
    section: Section, product: Product, *, form: forms.Form | None = None, today: date
) -> dict[str, Any]:
    return {
        "section": section,
        "items": section.items(product),
        "form": form or section.form(prefix=section.name),
        "today": today,
    }
