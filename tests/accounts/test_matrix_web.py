"""Every web form (the POST views) by every identity, against what the policy documents.

The URL patterns of the web app are walked, so a new page without an entry in ``FORMS``
or ``PAGES`` fails ``test_every_web_url_is_declared``. To declare a form:
``"url-name": Form("<policy action>", {post data}, {url kwargs})``; a page that only shows
goes in ``PAGES``. Evidence forms and one-click buttons declare their action in
``web/evidence.py`` and are checked from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.urls import get_resolver, reverse
from django.utils import timezone

from prodops.accounts import policy

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Form:
    action: str
    data: dict[str, Any] = field(default_factory=dict)
    kwargs: dict[str, Any] = field(default_factory=dict)
    reason_in_body: bool = False
    also: str = ""  # a second action that allows it too (inviting: product operations, or a lead)


SLUG = {"slug": "payments-api"}
EXPIRES = (timezone.localdate() + timedelta(days=10)).isoformat()
PRODUCT = {
    "slug": "search",
    "name": "Search",
    "tier": "2",
    "build_lead": "alice@example.com",
    "run_lead": "bob@example.com",
}
FORMS: dict[str, Form] = {
    "product-create": Form("product.create", PRODUCT),
    "product-edit": Form("product.edit", {**PRODUCT, "slug": "payments-api", "version": "1"}, SLUG),
    "section-add": Form(
        "evidence.edit",
        {"risks-title": "x", "risks-likelihood": "3", "risks-impact": "5", "risks-next_review": "2027-01-10"},
        {**SLUG, "section": "risks"},
    ),
    "transition-request": Form("transition.request", {"to_stage": "pilot"}, SLUG),
    "transition-approve": Form("transition.approve", {}, SLUG),
    "transition-reject": Form("transition.reject", {"reason": "not yet"}, SLUG, reason_in_body=True),
    "transition-cancel": Form("transition.cancel", {}, SLUG),
    "waiver-create": Form(
        "waiver.propose", {"criterion": "owners-named", "reason": "ok", "expires": EXPIRES}, SLUG, True
    ),
    "waiver-sign": Form("waiver.sign", {}, SLUG),
    "attest": Form(
        "attestation.build_lead",
        {"criterion": "handover-plan", "evidence_url": "https://wiki.example.com/p"},
        SLUG,
    ),
    # Posted empty: the view asks the policy before it reads the form.
    "person-create": Form("person.manage"),
    "person-edit": Form("person.manage", {}, {"pk": "mei"}),
    "team-create": Form("team.manage"),
    "team-edit": Form("team.manage", {}, {"slug": "pay-dev"}),
    "invite": Form(
        "person.invite", {"email": "erin@example.com", "product": "payments-api"}, also="person.manage"
    ),
}
# Pages that show and change nothing, and the generic evidence pages (checked below).
PAGES = {
    "home",
    "activity",
    "facts",
    "standards",
    "product",
    "checklist",
    "product-activity",
    "document",
    "people",
    "teams",
    "waiting",
    "waiting-count",
    "trend",
    "team-load",
}
GENERIC = {"evidence", "evidence-edit", "click"}


def test_every_web_url_is_declared():
    resolver = get_resolver()
    names = {
        p.name
        for p in resolver.url_patterns
        if getattr(p, "namespace", None) == "web"
        for p in p.url_patterns
    }
    missing = sorted(names - set(FORMS) - PAGES - GENERIC)
    assert not missing, f"declare these web URLs in FORMS (with their policy action) or PAGES: {missing}"
    for name, form in FORMS.items():
        assert form.action in policy.actions(), name


def _kwargs(name: str, form: Form, world: dict[str, Any]) -> dict[str, Any]:
    from datetime import UTC, datetime

    from prodops.core.actors import Actor
    from prodops.lifecycle import services as lifecycle
    from prodops.readiness import services as readiness

    operator = Actor.cli("matrix setup")
    kwargs = dict(form.kwargs)
    if kwargs.get("pk") == "mei":
        from prodops.catalog.models import Person

        kwargs["pk"] = Person.objects.get(email="mei@example.com").pk
    if name.startswith("transition-") and name != "transition-request":
        kwargs["pk"] = lifecycle.request_transition(
            actor=operator, product=world["product"], to_stage="pilot"
        ).pk
    if name == "waiver-sign":
        kwargs["pk"] = readiness.create_waiver(
            actor=operator,
            product=world["product"],
            criterion_id="owners-named",
            reason="setup",
            expires_at=datetime.now(UTC) + timedelta(days=5),
        ).pk
    return kwargs


def _items(world: dict[str, Any]) -> dict[str, int]:
    from prodops.core.actors import Actor
    from prodops.risks import services as risks

    operator = Actor.cli("matrix setup")
    product = world["product"]
    risk = risks.create_risk(
        actor=operator, product=product, title="r", likelihood=1, impact=1, next_review=timezone.localdate()
    )
    known = risks.create_known_error(actor=operator, product=product, title="k", symptom="s")
    return {"risk": risk.pk, "known-error": known.pk}


WEB_IDENTITIES = [i for i in policy.IDENTITIES if i != "read_only"]  # tokens are API-only


def _check(response: Any, expected: str, identity: str, detail: str) -> None:
    status = response.status_code
    if identity == "anonymous":
        assert status == 302 and "/accounts/login/" in response["Location"], detail
    elif expected == "yes":
        assert status not in {401, 403} and status < 500, detail
    elif expected == "override":
        assert status == 403 and b"reason" in response.content, detail
    else:
        assert status == 403, detail


@pytest.mark.parametrize("identity", WEB_IDENTITIES)
@pytest.mark.parametrize("name", sorted(FORMS))
def test_the_web_forms_answer_as_the_policy_says(client, world, name, identity):
    form = FORMS[name]
    url = reverse(f"web:{name}", kwargs=_kwargs(name, form, world))
    if identity != "anonymous":
        client.force_login(world["users"][identity])
    expected = policy.expected(policy.actions()[form.action].rule, identity)
    if form.also and policy.expected(policy.actions()[form.also].rule, identity) == "yes":
        expected = "yes"
    if expected == "override" and form.reason_in_body:
        expected = "yes"
    response = client.post(url, form.data)
    _check(response, expected, identity, f"{name} as {identity} ({expected}) -> {response.status_code}")


@pytest.mark.parametrize("identity", WEB_IDENTITIES)
def test_the_evidence_forms_and_buttons_answer_as_the_policy_says(client, world, identity):
    """Each generic evidence form and one-click button, posted empty: the policy decides
    before the form is read, so a refusal is 403 and an allowed post is a form error."""
    from prodops.web import evidence

    if identity != "anonymous":
        client.force_login(world["users"][identity])
    items = _items(world)
    for name, spec in evidence.EVIDENCE.items():
        expected = policy.expected(policy.actions()[spec.action].rule, identity)
        if name in items:  # a form that edits an existing item only
            url = reverse("web:evidence-edit", kwargs={**SLUG, "name": name, "pk": items[name]})
        else:
            url = reverse("web:evidence", kwargs={**SLUG, "name": name})
        response = client.post(url, {})
        _check(response, expected, identity, f"evidence {name} as {identity} -> {response.status_code}")
    for name, click in evidence.CLICKS.items():
        expected = policy.expected(policy.actions()[click.action].rule, identity)
        response = client.post(reverse("web:click", kwargs={**SLUG, "name": name}), {})
        _check(response, expected, identity, f"click {name} as {identity} -> {response.status_code}")
