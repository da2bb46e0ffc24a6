"""Every piece of evidence a gate asks for, recordable from the web.

Each ``Evidence`` names its form, the policy action that decides who sees it, the domain
service that writes it and the product page section it comes back to. The views in
``web/views_evidence.py`` are generic over this registry, and ``web/fixes.py`` links each
failing checklist row to one of these names, so a new form is one entry here.

Product fields (SLOs, links, on-call, stakeholders, go-live, warranty policy) are written
through ``catalog.services.update_product``, which changes only the fields it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils import timezone

from prodops.catalog import services as catalog
from prodops.catalog.models import Person, Product
from prodops.core.actors import Actor
from prodops.knowledge import services as knowledge
from prodops.knowledge.models import Document, SupportEstimate
from prodops.risks import services as risks
from prodops.risks.models import KnownError, Risk
from prodops.web import forms as web_forms


def _none(product: Product, item: Any) -> dict[str, Any]:
    return {}


def _no_kwargs(product: Product) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Evidence:
    name: str
    title: str
    action: str  # the policy action; the service enforces it, the page only shows or hides
    form: type[forms.Form]
    save: Callable[..., Any]  # save(actor=, product=, data=, item=) -> message
    section: str  # the product page anchor to come back to
    initial: Callable[[Product, Any], dict[str, Any]] = _none
    item: Callable[[Product, int], Any] | None = None  # the edited object, by primary key
    creates: bool = True  # False: the form only edits an existing item (its URL needs the pk)
    form_kwargs: Callable[[Product], dict[str, Any]] = _no_kwargs
    aliases: Mapping[str, str] = field(default_factory=dict)  # service field path -> form field
    manages: tuple[str, ...] = ()  # the product spec fields it writes (config as code)
    intro: str = ""


# --------------------------------------------------------------------- documents


def _document(product: Product, pk: int) -> Any:

    return Document.objects.select_related("owner").get(product=product, pk=pk)


def _document_initial(product: Product, doc: Any) -> dict[str, Any]:
    if doc is None:
        return {}
    return {
        "kind": doc.kind,
        "title": doc.title,
        "url": doc.url,
        "body": doc.body,
        "owner_email": doc.owner.email if doc.owner else "",
        "reviewed": doc.reviewed,
    }


def _save_document(*, actor: Actor, product: Product, data: dict[str, Any], item: Any) -> str:

    fields = {
        "kind": data["kind"],
        "title": data["title"],
        "url": data.get("url") or "",
        "body": data.get("body") or "",
        "owner_email": data.get("owner_email") or None,
        "reviewed": data.get("reviewed"),
    }
    if item is None:
        doc = knowledge.create_document(actor=actor, product=product, **fields)
        return f"Added {doc.title}."
    knowledge.update_document(actor=actor, document=item, **fields)
    return f"Saved {item.title}."


# --------------------------------------------------------------------- training


def _training_people(product: Product) -> dict[str, Any]:

    team_ids = [t for t in (product.run_team_id, product.build_team_id) if t]
    people = Person.objects.filter(teams__id__in=team_ids).distinct().order_by("name", "email")
    return {"people": [(p.email, f"{p} ({p.email})" if p.name else p.email) for p in people]}


def _save_training(*, actor: Actor, product: Product, data: dict[str, Any], item: Any) -> str:

    attendees = list(dict.fromkeys([*data.get("attendees", []), *data.get("other_attendees", [])]))
    session = knowledge.record_training(
        actor=actor,
        product=product,
        topic=data["topic"],
        date=data["date"],
        trainer_email=data.get("trainer") or None,
        attendee_emails=attendees,
        notes=data.get("notes") or "",
    )
    return f"Recorded the training “{session.topic}” with {len(attendees)} attendee(s)."


def _estimate_initial(product: Product, item: Any) -> dict[str, Any]:

    estimate = SupportEstimate.objects.filter(product=product).first()
    return {"hours_per_week": estimate.hours_per_week, "basis": estimate.basis} if estimate else {}


def _save_estimate(*, actor: Actor, product: Product, data: dict[str, Any], item: Any) -> str:

    knowledge.set_support_estimate(
        actor=actor, product=product, hours_per_week=data["hours_per_week"], basis=data.get("basis") or ""
    )
    return f"Support estimate set to {data['hours_per_week']:g} hours per week."


# --------------------------------------------------------------------- product fields


def current_spec(product: Product) -> dict[str, Any]:

    data: dict[str, Any] = catalog.product_spec(product).model_dump(mode="json")
    return data


def update_product(*, actor: Actor, product: Product, **changes: Any) -> None:

    catalog.update_product(actor=actor, product=product, changes=changes)


def _save_slo(*, actor: Actor, product: Product, data: dict[str, Any], item: Any) -> str:
    slos = [s for s in current_spec(product)["slos"] if s["name"] != data["name"]]
    slos.append(
        {
            "name": data["name"],
            "objective": data["objective"],
            "window": data["window"],
            "description": data.get("description") or "",
        }
    )
    update_product(actor=actor, product=product, slos=slos)
    return f"SLO {data['name']} saved."


def _save_link(*, actor: Actor, product: Product, data: dict[str, Any], item: Any) -> str:
    links = {**current_spec(product)["links"], data["name"]: data["url"]}
    update_product(actor=actor, product=product, links=links)
    return f"Link {data['name']} saved."


def _oncall_initial(product: Product, item: Any) -> dict[str, Any]:
    return dict(product.oncall or {})


def _save_oncall(*, actor: Actor, product: Product, data: dict[str, Any], item: Any) -> str:
    oncall = {"rotation": data["rotation"], "team": data.get("team") or None}
    if data.get("schedule_url"):
        oncall["schedule_url"] = data["schedule_url"]
    update_product(actor=actor, product=product, oncall=oncall)
    return f"On-call rotation set to {data['rotation']}."


def _save_stakeholder(*, actor: Actor, product: Product, data: dict[str, Any], item: Any) -> str:
    person = data["person"].strip().lower()
    function = data["function"].strip()
    stakeholders = current_spec(product)["stakeholders"]
    if not any(s["person"] == person and s["function"] == function for s in stakeholders):
        stakeholders.append({"function": function, "person": person})
    update_product(actor=actor, product=product, stakeholders=stakeholders)
    return f"{person} added as a stakeholder ({function})."


def _go_live_initial(product: Product, item: Any) -> dict[str, Any]:
    return {"go_live": product.go_live}


def _save_go_live(*, actor: Actor, product: Product, data: dict[str, Any], item: Any) -> str:
    when = data.get("go_live")
    update_product(actor=actor, product=product, go_live=when.isoformat() if when else None)
    return f"Go-live set to {when:%Y-%m-%d}." if when else "Go-live date cleared."


def _warranty_initial(product: Product, item: Any) -> dict[str, Any]:
    policy = product.warranty or {}
    if not policy:
        return {"min_days": 14, "max_days": 90, "per": "14d", "defects": 1}
    threshold = policy.get("threshold") or {}
    return {
        "defects": threshold.get("defects"),
        "per": threshold.get("per"),
        "min_days": policy.get("min_days"),
        "max_days": policy.get("max_days"),
        "severities": policy.get("severities"),
    }


def _save_warranty(*, actor: Actor, product: Product, data: dict[str, Any], item: Any) -> str:
    update_product(
        actor=actor,
        product=product,
        warranty={
            "threshold": {"defects": data["defects"], "per": data["per"]},
            "min_days": data["min_days"],
            "max_days": data["max_days"],
            "severities": data["severities"],
        },
    )
    return "Warranty policy saved."


# --------------------------------------------------------------------- risks, known errors


def _risk(product: Product, pk: int) -> Any:

    return Risk.objects.select_related("owner", "product").get(product=product, pk=pk)


def _risk_initial(product: Product, risk: Any) -> dict[str, Any]:
    return {
        "title": risk.title,
        "status": risk.status,
        "likelihood": risk.likelihood,
        "impact": risk.impact,
        "mitigation": risk.mitigation,
        "owner_email": risk.owner.email if risk.owner else "",
        "next_review": risk.next_review,
    }


def _save_risk(*, actor: Actor, product: Product, data: dict[str, Any], item: Any) -> str:

    risks.update_risk(
        actor=actor,
        risk=item,
        title=data["title"],
        status=data["status"],
        likelihood=data["likelihood"],
        impact=data["impact"],
        mitigation=data.get("mitigation") or "",
        owner_email=data.get("owner_email") or None,
        next_review=data["next_review"],
    )
    return f"Saved {item.ref}."


def _known_error(product: Product, pk: int) -> Any:

    return KnownError.objects.select_related("product").get(product=product, pk=pk)


def _known_error_initial(product: Product, ke: Any) -> dict[str, Any]:
    return {
        "title": ke.title,
        "symptom": ke.symptom,
        "cause": ke.cause,
        "workaround": ke.workaround,
        "defect_id": ke.defect_id,
        "status": ke.status,
    }


def _save_known_error(*, actor: Actor, product: Product, data: dict[str, Any], item: Any) -> str:

    risks.update_known_error(
        actor=actor,
        known_error=item,
        title=data["title"],
        symptom=data["symptom"],
        cause=data.get("cause") or "",
        workaround=data.get("workaround") or "",
        defect_id=data.get("defect_id") or "",
        status=data["status"],
    )
    return f"Saved {item.ref}."


EVIDENCE: dict[str, Evidence] = {
    e.name: e
    for e in (
        Evidence(
            "document",
            "Document",
            "evidence.edit",
            web_forms.DocumentEditForm,
            _save_document,
            "section-documents",
            initial=_document_initial,
            item=_document,
            aliases={"owner": "owner_email"},
            intro="A link to where the document lives, or its text as inline Markdown.",
        ),
        Evidence(
            "training",
            "Record a training session",
            "evidence.edit",
            web_forms.TrainingForm,
            _save_training,
            "training",
            form_kwargs=_training_people,
            intro="Training counts once the session's date has passed; coverage is the share "
            "of the run team who attended at least one session.",
        ),
        Evidence(
            "support-estimate",
            "Support estimate",
            "evidence.edit",
            web_forms.SupportEstimateForm,
            _save_estimate,
            "training",
            initial=_estimate_initial,
        ),
        Evidence(
            "slo",
            "Add or change an SLO",
            "product.edit",
            web_forms.SLOForm,
            _save_slo,
            "about",
            manages=("slos",),
            intro="An SLO with the same name is replaced.",
        ),
        Evidence(
            "link",
            "Add or change a link",
            "product.edit",
            web_forms.LinkForm,
            _save_link,
            "about",
            aliases={"links": "url"},
            manages=("links",),
        ),
        Evidence(
            "oncall",
            "On-call rotation",
            "product.edit",
            web_forms.OncallForm,
            _save_oncall,
            "about",
            initial=_oncall_initial,
            aliases={"oncall": "rotation"},
            manages=("oncall",),
        ),
        Evidence(
            "stakeholder",
            "Add a stakeholder",
            "product.edit",
            web_forms.StakeholderForm,
            _save_stakeholder,
            "owners",
            aliases={"stakeholders": "person"},
            manages=("stakeholders",),
        ),
        Evidence(
            "go-live",
            "Go-live date",
            "product.edit",
            web_forms.GoLiveForm,
            _save_go_live,
            "about",
            initial=_go_live_initial,
            manages=("go_live",),
        ),
        Evidence(
            "warranty",
            "Warranty policy",
            "product.edit",
            web_forms.WarrantyPolicyForm,
            _save_warranty,
            "about",
            initial=_warranty_initial,
            aliases={"warranty.threshold": "defects", "warranty": "max_days"},
            manages=("warranty",),
            intro="Early life support ends when the counted defect rate falls below the "
            "threshold, no sooner than the minimum and no later than the maximum days after go-live.",
        ),
        Evidence(
            "risk",
            "Risk",
            "evidence.edit",
            web_forms.RiskEditForm,
            _save_risk,
            "section-risks",
            initial=_risk_initial,
            item=_risk,
            creates=False,  # risks are added by the "Add a risk" form of the product page
            aliases={"owner": "owner_email"},
        ),
        Evidence(
            "known-error",
            "Known error",
            "evidence.edit",
            web_forms.KnownErrorEditForm,
            _save_known_error,
            "section-known-errors",
            initial=_known_error_initial,
            item=_known_error,
            creates=False,
        ),
    )
}


# --------------------------------------------------------------------- one-click actions


def mark_reviewed(*, actor: Actor, product: Product, pk: int) -> str:

    doc = _document(product, pk)
    knowledge.update_document(actor=actor, document=doc, reviewed=timezone.localdate())
    return f"{doc.title} marked reviewed today."


def archive_document(*, actor: Actor, product: Product, pk: int) -> str:

    doc = _document(product, pk)
    knowledge.archive_document(actor=actor, document=doc)
    return f"{doc.title} archived: it no longer counts, and is kept for the record."


def _person_of(actor: Actor) -> Any:

    return Person.objects.filter(email=actor.email).first() if actor.email else None


def sign_support(*, actor: Actor, product: Product) -> str:

    knowledge.sign_support(actor=actor, product=product, person_email=actor.email)
    return f"Thank you: you said you can support {product.name}."


def withdraw_support(*, actor: Actor, product: Product) -> str:

    knowledge.withdraw_support(actor=actor, product=product, person_email=actor.email)
    return f"Your sign-off of {product.name} is withdrawn."


def remove_slo(*, actor: Actor, product: Product, key: str) -> str:
    slos = [s for s in current_spec(product)["slos"] if s["name"] != key]
    update_product(actor=actor, product=product, slos=slos)
    return f"SLO {key} removed."


def remove_link(*, actor: Actor, product: Product, key: str) -> str:
    links = {k: v for k, v in current_spec(product)["links"].items() if k != key}
    update_product(actor=actor, product=product, links=links)
    return f"Link {key} removed."


def remove_stakeholder(*, actor: Actor, product: Product, key: str) -> str:
    function, _, person = key.partition(":")
    stakeholders = [
        s for s in current_spec(product)["stakeholders"] if (s["function"], s["person"]) != (function, person)
    ]
    update_product(actor=actor, product=product, stakeholders=stakeholders)
    return f"{person} is no longer a stakeholder ({function})."


@dataclass(frozen=True)
class Click:
    """A one-click action: a button that posts, with no form to fill in."""

    action: str
    run: Callable[..., str]
    section: str
    takes: str = ""  # "pk", "key" or "" (what the button posts besides the CSRF token)
    on_self: bool = False  # the policy object is the actor's own Person, not the product


CLICKS: dict[str, Click] = {
    "mark-reviewed": Click("evidence.edit", mark_reviewed, "section-documents", takes="pk"),
    "archive-document": Click("evidence.edit", archive_document, "section-documents", takes="pk"),
    "sign-support": Click("signoff.sign", sign_support, "training", on_self=True),
    "withdraw-support": Click("signoff.sign", withdraw_support, "training", on_self=True),
    "remove-slo": Click("product.edit", remove_slo, "about", takes="key"),
    "remove-link": Click("product.edit", remove_link, "about", takes="key"),
    "remove-stakeholder": Click("product.edit", remove_stakeholder, "owners", takes="key"),
}


def policy_object(click: Click, actor: Actor, product: Product) -> Any:
    return _person_of(actor) if click.on_self else product


def run_team_member(actor: Actor, product: Product) -> bool:
    """Whether the actor's person is on the product's run team (who may say "I can
    support this")."""
    if not product.run_team_id or not actor.email:
        return False
    return product.run_team.members.filter(email=actor.email).exists() if product.run_team else False
