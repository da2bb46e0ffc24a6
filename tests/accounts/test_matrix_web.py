"""Every web form (the POST views of every app) by every identity, against what the
policy documents.

The whole URL resolver is walked (every app's ``urls``, every namespace), so a new page
or form anywhere without an entry in ``FORMS``, ``PAGES`` or ``PUBLIC`` fails
``test_every_web_url_is_declared``. To declare a form:
``"namespace:url-name": Form("<policy action>", {post data}, {url kwargs})`` (a view that
does several things by a posted field declares each as ``"namespace:url-name#what"``); a
page that only shows goes in ``PAGES``, and ``test_the_pages_change_nothing_when_posted_to``
posts to each as an admin and checks that no table changed, so a form cannot hide there.
Evidence forms and one-click buttons declare their action in ``web/evidence.py`` and are
checked from there. The admin (``test_admin.py``) and the API (``test_matrix.py``) have
their own matrices.

One test per form: the world is built once and each identity's post runs in a savepoint
that is rolled back, so every identity meets the same state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from prodops.accounts import policy
from tests.accounts.test_matrix import CHANNEL, PILOT_PLAN, _setup_playbook_run, _setup_retrospective

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Form:
    action: str
    data: dict[str, Any] = field(default_factory=dict)
    kwargs: dict[str, Any] = field(default_factory=dict)
    reason_in_body: bool = False
    also: str = ""  # a second action that allows it too (inviting: product operations, or a lead)
    # An allowed post must write an audit entry (it did something), unless what it does
    # is not audited (marking notifications read) or the setup makes it meet a conflict.
    writes: bool = True


SLUG = {"slug": "payments-api"}
EXPIRES = (timezone.localdate() + timedelta(days=10)).isoformat()
PRODUCT = {
    "slug": "search",
    "name": "Search",
    "tier": "2",
    "build_lead": "alice@example.com",
    "run_lead": "bob@example.com",
}
PLAYBOOK_YAML = """\
steps:
  - {id: walk, title: Walk through the runbook, assignee: zoe@example.com, required: true}
done_when: "run.required_open == 0"
"""
FORMS: dict[str, Form] = {
    # web: the product, its gates, people and teams
    "web:product-create": Form("product.create", PRODUCT),
    "web:product-edit": Form("product.edit", {**PRODUCT, "slug": "payments-api", "version": "1"}, SLUG),
    "web:section-add": Form(
        "evidence.edit",
        {"risks-title": "x", "risks-likelihood": "3", "risks-impact": "5", "risks-next_review": "2027-01-10"},
        {**SLUG, "section": "risks"},
    ),
    "web:transition-request": Form("transition.request", {"to_stage": "pilot"}, SLUG),
    "web:transition-approve": Form("transition.approve", {}, SLUG),
    "web:transition-reject": Form("transition.reject", {"reason": "not yet"}, SLUG, reason_in_body=True),
    "web:transition-cancel": Form("transition.cancel", {}, SLUG),
    "web:waiver-create": Form(
        "waiver.propose", {"criterion": "owners-named", "reason": "ok", "expires": EXPIRES}, SLUG, True
    ),
    "web:waiver-sign": Form("waiver.sign", {}, SLUG),
    "web:attest": Form(
        "attestation.build_lead",
        {"criterion": "handover-plan", "evidence_url": "https://wiki.example.com/p"},
        SLUG,
    ),
    # The views ask the policy before they read the form (a refusal is 403 even posted empty).
    "web:person-create": Form("person.manage", {"email": "nina@example.com", "name": "Nina"}),
    "web:person-edit": Form("person.manage", {"email": "mei@example.com", "name": "Mei Li"}, {"pk": "mei"}),
    "web:team-create": Form(
        "team.manage",
        {"slug": "pay-ops", "name": "Payments ops", "kind": "run", "capacity_hours_per_week": "40"},
    ),
    "web:team-edit": Form(
        "team.manage",
        {"slug": "pay-dev", "name": "Payments builders", "kind": "build", "capacity_hours_per_week": "0"}
        | {"members": "alice@example.com\nerin@example.com"},
        {"slug": "pay-dev"},
    ),
    "web:invite": Form(
        "person.invite", {"email": "erin@example.com", "product": "payments-api"}, also="person.manage"
    ),
    # accounts: your own API tokens
    "accounts:account": Form("token.manage", {"name": "CI pipeline"}),
    "accounts:revoke-token": Form("token.manage", {}, {"token_id": "own"}),
    # alignment: every identity is a stakeholder of the product (see _kwargs)
    "alignment:answer": Form(
        "alignment.respond",
        {"function": "engineering", "north_star": "Fewer pages", "delight": "1", "adoption": "2"}
        | {"retention": "3", "support": "4"},
        SLUG,
    ),
    # comments
    "comments:post": Form("comment.create", {"body": "Looks good"}, SLUG),
    # improvement: a retrospective of the product and one action item
    "improvement:notes": Form("retrospective.edit", {"went_well": "Early runbook"}, {"pk": "retro"}),
    "improvement:add-action": Form(
        "action_item.edit",
        {"title": "Alert on lag", "owner": "bob@example.com", "due": "2027-01-15"},
        {"pk": "retro"},
    ),
    "improvement:action-status": Form("action_item.edit", {"status": "done"}, {"pk": "item"}),
    # notifications
    "notifications:mark-read": Form("notification.read_own", writes=False),  # reading is not audited
    "notifications:preferences": Form(
        "notification.preferences",
        {"transition.approved": "off", "digest_hour": "7", "digest_time_zone": "Europe/Berlin"},
    ),
    "notifications:channel-create": Form(
        "channel.manage",
        {"slug": "pager", "type": "email", "url": "mailto:pager@example.com"}
        | {"events": ["transition.requested"]},
    ),
    "notifications:channel-edit": Form(
        "channel.manage",
        {
            "slug": "ops-hook",
            "type": "email",
            "url": "mailto:ops2@example.com",
            "events": ["transition.requested"],
        },
        {"slug": "ops-hook"},
    ),
    "notifications:channel-test": Form("channel.test", {}, {"slug": "ops-hook"}),
    "notifications:channel-resume": Form("channel.manage", {}, {"slug": "ops-hook"}),
    # pilots (the product has a pilot plan and a decision signed for the build lead)
    "pilots:plan": Form(
        "pilot.plan",
        {
            "start": "2026-11-01",
            "min_days": "21",
            "cohorts": "- {name: staff, kind: internal, planned_size: 1000}",
            "criteria": "- {id: ok, metric: checkout-ok, kind: proportion, threshold: 0.95, min_sample: 100}",
        },
        SLUG,
    ),
    "pilots:observe": Form(
        "pilot.observe",
        {"metric": "checkout-ok", "cohort": "staff", "successes": "95", "trials": "100"},
        SLUG,
    ),
    "pilots:feedback": Form("pilot.feedback", {"rating": "4", "text": "Fast"}, SLUG),
    "pilots:propose": Form("pilot.decide", {"outcome": "extend", "reason": "more data"}, SLUG),
    # The decision is signed for the build lead already: the build lead meets "already signed".
    "pilots:sign": Form("pilot.decide", {}, {**SLUG, "pk": "decision"}, writes=False),
    # playbooks (a run of the product whose steps are assigned to an outsider)
    "playbooks:detail": Form("playbook.manage", {"spec": PLAYBOOK_YAML}, {"slug": "matrix"}),
    "playbooks:run#start": Form("playbook.step.do", {"action": "start", "step": "walk"}, {"run_id": "run"}),
    "playbooks:run#done": Form("playbook.step.do", {"action": "done", "step": "walk"}, {"run_id": "run"}),
    "playbooks:run#reject": Form(
        "playbook.step.do", {"action": "reject", "step": "walk", "reason": "no"}, {"run_id": "run"}
    ),
    "playbooks:run#skip": Form(
        "playbook.step.skip_required",
        {"action": "skip", "step": "walk", "reason": "elsewhere"},
        {"run_id": "run"},
    ),
    # The run's required step is open: an allowed identity meets "not done".
    "playbooks:run#close": Form("playbook.close", {"action": "close"}, {"run_id": "run"}, writes=False),
}
# Pages that show and change nothing (checked by posting to each), with their URL kwargs.
PAGES: dict[str, dict[str, Any]] = {
    "web:home": {},
    "web:activity": {},
    "web:facts": {},
    "web:standards": {},
    "web:product": SLUG,
    "web:checklist": SLUG,
    "web:product-activity": SLUG,
    "web:document": {**SLUG, "pk": "document"},
    "web:people": {},
    "web:teams": {},
    "web:waiting": {},
    "web:waiting-count": {},
    "web:trend": SLUG,
    "web:team-load": {},
    "campaigns:list": {},
    "campaigns:detail": {"slug": "tracing"},
    "campaigns:report": {"slug": "tracing"},
    "improvement:metrics": {},
    "improvement:product": SLUG,
    "improvement:retrospective": {"pk": "retro"},
    "knowledge:handover": {**SLUG, "fmt": "md"},
    "notifications:inbox": {},
    "notifications:log": {},
    "notifications:channels": {},
    "outcomes:panel": SLUG,
    "pilots:pilot": SLUG,
    "playbooks:list": {},
    "playbooks:new-engineers": {"slug": "pay-run"},
    "risks:known-error-search": {},
    "warranty:product": SLUG,
}
# Before any identity: Django's sign-in, sign-out and password reset, and the one-click
# unsubscribe link of a notification email (authorized by its signed token, not a session).
PUBLIC = {
    "accounts:login",
    "accounts:logout",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "notifications:unsubscribe",
}
GENERIC = {"web:evidence", "web:evidence-edit", "web:click"}  # checked from web/evidence.py
# The Django admin and the API have their own matrices (test_admin.py, test_matrix.py).
ELSEWHERE = {"admin", "api-v1"}


def web_urls() -> set[str]:
    """Every named URL of the site, as ``namespace:name``, outside the admin and the API."""
    found: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in ELSEWHERE:
                    continue
                walk(p.url_patterns, ":".join(filter(None, [namespace, p.namespace])))
            elif isinstance(p, URLPattern):
                assert p.name, f"name the URL pattern {p.pattern} so the matrix can declare it"
                found.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns, "")
    return found


def test_every_web_url_is_declared():
    found = web_urls()
    assert {"web:product", "pilots:plan", "playbooks:run", "notifications:preferences"} <= found
    declared = {name.split("#")[0] for name in FORMS} | set(PAGES) | PUBLIC | GENERIC
    missing = sorted(found - declared)
    assert not missing, f"declare these web URLs in FORMS (with their policy action) or PAGES: {missing}"
    assert not declared - found, f"declared URLs that no longer exist: {sorted(declared - found)}"
    for name, form in FORMS.items():
        assert form.action in policy.actions(), name


def _things(world: dict[str, Any], needed: set[str]) -> dict[str, Any]:
    """The objects the forms and pages act on, made by the local operator."""
    from prodops.core.actors import Actor

    operator = Actor.cli("matrix setup")
    product = world["product"]
    made: dict[str, Any] = {}
    if needed & {"retro", "item"}:
        from prodops.improvement import services as improvement

        made["retro"] = _setup_retrospective(product).pk
        made["item"] = improvement.add_action(
            actor=operator,
            retro=improvement.get_retrospective(made["retro"]),
            title="t",
            owner="bob@example.com",
            due=timezone.localdate(),
        ).pk
    if needed & {"decision", "pilot"}:
        from prodops.pilots import services as pilots

        pilots.set_plan(actor=operator, product=product, plan=PILOT_PLAN)
        made["decision"] = pilots.propose_decision(
            actor=operator.with_reason("matrix setup"), product=product, outcome="proceed"
        ).pk
    if "run" in needed:
        made["run"] = _setup_playbook_run(product).pk
    if "channel" in needed:
        from prodops.notifications import services as notifications

        notifications.save_channel(
            actor=operator,
            data=notifications.ChannelData(slug="ops-hook", name="Ops", secret={}, products={}, **CHANNEL),
        )
    if "stakeholders" in needed:
        from prodops.catalog.models import Person, Stakeholder

        for person in Person.objects.all():
            Stakeholder.objects.get_or_create(product=product, person=person, function="engineering")
    if "document" in needed:
        from prodops.knowledge import services as knowledge

        made["document"] = knowledge.create_document(
            actor=operator, product=product, kind="runbook", title="Runbook", url="https://wiki.example.com/r"
        ).pk
    if "campaign" in needed:
        from prodops.campaigns import services as campaigns

        campaigns.launch_campaign(
            actor=operator,
            slug="tracing",
            name="Tracing",
            standard="default",
            start=timezone.localdate(),
            target=timezone.localdate() + timedelta(days=60),
        )
    return made


def _needs(name: str, kwargs: dict[str, Any]) -> set[str]:
    needed = {v for v in kwargs.values() if v in {"retro", "item", "decision", "run", "document"}}
    app = name.split(":", maxsplit=1)[0]
    if app == "pilots":
        needed.add("pilot")
    if app == "alignment":
        needed.add("stakeholders")
    if app == "campaigns":
        needed.add("campaign")
    if kwargs.get("slug") == "ops-hook":
        needed.add("channel")
    if app == "playbooks" and not kwargs.get("run_id"):
        needed.add("run")  # the playbook exists (the detail page edits it)
    return needed


def _kwargs(name: str, form: Form, world: dict[str, Any], identity: str) -> dict[str, Any]:
    from datetime import UTC, datetime

    from prodops.core.actors import Actor
    from prodops.lifecycle import services as lifecycle
    from prodops.readiness import services as readiness

    operator = Actor.cli("matrix setup")
    made = _things(world, _needs(name, form.kwargs))
    kwargs = {k: made.get(v, v) if isinstance(v, str) else v for k, v in form.kwargs.items()}
    if kwargs.get("pk") == "mei":
        from prodops.catalog.models import Person

        kwargs["pk"] = Person.objects.get(email="mei@example.com").pk
    if kwargs.get("token_id") == "own":
        from prodops.accounts.models import ApiToken

        user = world["users"].get(identity) or world["users"]["admin"]
        kwargs["token_id"] = ApiToken.objects.filter(user=user, read_only=False).first().pk
    if name.startswith("web:transition-") and name != "web:transition-request":
        kwargs["pk"] = lifecycle.request_transition(
            actor=operator, product=world["product"], to_stage="pilot"
        ).pk
    if name == "web:waiver-sign":
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


def _check(response: Any, expected: str, identity: str, detail: str) -> str:
    """What is wrong with the answer ("" when it is what the policy says)."""
    status = response.status_code
    if identity == "anonymous":
        good = status == 302 and "/accounts/login/" in response["Location"]
    elif expected == "yes":
        good = status not in {401, 403} and status < 500
    elif expected == "override":
        good = status == 403 and b"reason" in response.content
    else:
        good = status == 403
    return "" if good else f"{detail} -> {status} {response.content[:200]!r}"


def _expected(form: Form, identity: str) -> str:
    expected = policy.expected(policy.actions()[form.action].rule, identity)
    if form.also and policy.expected(policy.actions()[form.also].rule, identity) == "yes":
        expected = "yes"
    if expected == "override" and form.reason_in_body:
        expected = "yes"
    return expected


@pytest.mark.parametrize("name", sorted(FORMS))
def test_the_web_forms_answer_as_the_policy_says(client, world, name):
    """Each identity in turn, in a savepoint rolled back after its post."""
    from prodops.audit.models import AuditEntry

    form = FORMS[name]
    wrong = []
    for identity in WEB_IDENTITIES:
        client.logout()
        if identity != "anonymous":
            client.force_login(world["users"][identity])
        with transaction.atomic():
            url = reverse(name.split("#")[0], kwargs=_kwargs(name, form, world, identity))
            before = AuditEntry.objects.count()
            response = client.post(url, form.data)
            wrote = AuditEntry.objects.count() > before
            transaction.set_rollback(True)
        expected = _expected(form, identity)
        detail = f"{name} as {identity} ({form.action}: {expected})"
        wrong.append(_check(response, expected, identity, detail))
        if expected == "yes" and form.writes and not wrote:
            wrong.append(f"{detail} -> {response.status_code} but wrote no audit entry (did it do anything?)")
    problems = [w for w in wrong if w]
    assert not problems, "\n".join(problems)


def _row_counts() -> dict[str, int]:
    from django.apps import apps

    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}


def test_the_pages_change_nothing_when_posted_to(client, world):
    """An admin posting (empty) to each page declared show-only changes no table: a form
    cannot hide among the pages."""
    client.force_login(world["users"]["admin"])
    needed: set[str] = set()
    for name, kwargs in PAGES.items():
        needed |= _needs(name, kwargs)
    made = _things(world, needed)
    before = _row_counts()
    for name, kwargs in PAGES.items():
        url = reverse(
            name, kwargs={k: made.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}
        )
        status = client.get(url).status_code
        assert status in {200, 302}, f"{name}: GET {url} -> {status} (the check below would prove nothing)"
        response = client.post(url, {})
        assert response.status_code < 500, f"{name}: POST {url} -> {response.status_code}"
        after = _row_counts()
        changed = {
            k: (before[k], after[k]) for k in before if before[k] != after[k] and k != "sessions.Session"
        }
        assert not changed, f"posting to the page {name} changed {changed}: declare it in FORMS"


@pytest.mark.parametrize("identity", WEB_IDENTITIES)
def test_the_evidence_forms_and_buttons_answer_as_the_policy_says(client, world, identity):
    """Each generic evidence form and one-click button, posted empty: the policy decides
    before the form is read, so a refusal is 403 and an allowed post is a form error."""
    from prodops.web import evidence

    if identity != "anonymous":
        client.force_login(world["users"][identity])
    items = _items(world)
    wrong = []
    for name, spec in evidence.EVIDENCE.items():
        expected = policy.expected(policy.actions()[spec.action].rule, identity)
        if name in items:  # a form that edits an existing item only
            url = reverse("web:evidence-edit", kwargs={**SLUG, "name": name, "pk": items[name]})
        else:
            url = reverse("web:evidence", kwargs={**SLUG, "name": name})
        response = client.post(url, {})
        wrong.append(_check(response, expected, identity, f"evidence {name} as {identity}"))
    for name, click in evidence.CLICKS.items():
        expected = policy.expected(policy.actions()[click.action].rule, identity)
        response = client.post(reverse("web:click", kwargs={**SLUG, "name": name}), {})
        wrong.append(_check(response, expected, identity, f"click {name} as {identity}"))
    problems = [w for w in wrong if w]
    assert not problems, "\n".join(problems)
