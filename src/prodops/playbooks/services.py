"""Playbooks: apply (config-as-code or the web), start runs, do / skip steps, close runs.

Every write takes an ``actor`` keyword, asks ``policy.require`` first and records the
change in the audit log; shells own the transaction. Main entry points:

* ``apply_playbook(actor, slug, name, spec)`` — conditions are type-checked first.
* ``start_run(actor, playbook, product=None, team=None, subject=None, buddy=None)`` —
  the run is pinned to the playbook's current version; ``when`` is evaluated now; each
  ``due`` becomes a date; ``for_each`` steps are generated for the team's products.
* ``do_step`` (task / approval / evidence), ``start_step``, ``skip_step``,
  ``close_run`` (only when ``done_when`` holds; ``Refused`` lists what is missing).
* ``check_waits(run)`` — ``wait_for`` steps whose condition holds are done by themselves;
  called on start, after every step, when facts change and by the periodic job.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from django.db.models import Q
from django.utils import timezone
from pydantic import ValidationError

from prodops.accounts import policy
from prodops.audit.services import record
from prodops.catalog.models import Person, Product, Team
from prodops.core import facts as fact_registry
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, NotFound, Refused
from prodops.knowledge.models import Document, SupportSignoff, TrainingSession
from prodops.manifests.services import json_schema
from prodops.notifications.services import notify
from prodops.playbooks import conditions
from prodops.playbooks.models import Playbook, PlaybookVersion, Run, RunStep
from prodops.playbooks.spec import RUN_FACTS, PlaybookSpec, StepSpec, dump
from prodops.playbooks.stats import RunFigures, summarise
from prodops.readiness import rules
from prodops.readiness.services import fact_catalog

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).parent / "shipped"
ONBOARDING_TRIGGER = "team.member_added"


# --------------------------------------------------------------------------- playbooks


def parse_spec(data: Any) -> PlaybookSpec:
    """Validate a spec; ``InvalidInput`` names the field (``spec.steps.2.due``)."""
    try:
        spec = PlaybookSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(["spec", *(str(p) for p in err["loc"])])
        raise InvalidInput(str(err["msg"]).removeprefix("Value error, "), field=loc) from None
    problem = spec.problem()
    if problem is not None:
        raise InvalidInput(problem[1], field=f"spec.{problem[0]}")
    return spec


def condition_catalog() -> rules.FactCatalog:
    """The facts a condition may read: every registered product fact, plus ``run.*``."""

    catalog = fact_catalog()
    extra = [rules.FactName(name, kind) for name, kind, _ in RUN_FACTS]
    return rules.FactCatalog([*catalog.facts, *extra], catalog.placeholder_values)


def check_conditions(spec: PlaybookSpec) -> None:
    catalog = condition_catalog()
    for path, expr in spec.conditions():
        try:
            conditions.check(expr, catalog)
        except rules.RuleError as exc:
            raise InvalidInput(
                f"{exc.message} (line {exc.line}, column {exc.column} of the condition)", field=f"spec.{path}"
            ) from None


def _digest(spec: PlaybookSpec) -> str:
    return hashlib.sha256(json.dumps(dump(spec), sort_keys=True).encode()).hexdigest()


def apply_playbook(
    *, actor: Actor, slug: str, name: str, spec: PlaybookSpec | dict[str, Any], dry_run: bool = False
) -> str:
    """Create or update a playbook: ``created``, ``updated`` or ``unchanged``. A changed
    spec makes a new version; runs already started keep theirs."""
    policy.require(actor, "playbook.manage")
    parsed = parse_spec(spec.model_dump(mode="json") if isinstance(spec, PlaybookSpec) else spec)
    check_conditions(parsed)
    digest = _digest(parsed)
    existing = Playbook.objects.filter(slug=slug).first()
    if existing is not None and existing.digest == digest and existing.name == name:
        return "unchanged"
    if dry_run:
        return "created" if existing is None else "updated"
    if existing is None:
        playbook = Playbook.objects.create(slug=slug, name=name, digest=digest, version=1)
        PlaybookVersion.objects.create(
            playbook=playbook, version=1, spec=dump(parsed), digest=digest, created_by=actor.label
        )
        record(actor=actor, action="playbook.create", obj=playbook, changes={"version": [None, 1]})
        return "created"
    before = (existing.name, existing.version)
    if existing.digest != digest:
        existing.version += 1
        PlaybookVersion.objects.create(
            playbook=existing,
            version=existing.version,
            spec=dump(parsed),
            digest=digest,
            created_by=actor.label,
        )
    existing.name, existing.digest = name, digest
    existing.save()
    record(
        actor=actor,
        action="playbook.update",
        obj=existing,
        changes={"name": [before[0], name], "version": [before[1], existing.version]},
    )
    return "updated"


def shipped_documents() -> list[dict[str, Any]]:
    """The playbooks shipped with the package, as manifest documents."""
    return [dict(yaml.safe_load(p.read_text())) for p in sorted(SHIPPED_DIR.glob("*.yaml"))]


def apply_shipped(*, actor: Actor) -> list[str]:
    outcomes = []
    for doc in shipped_documents():
        meta = doc["metadata"]
        outcomes.append(
            apply_playbook(
                actor=actor, slug=meta["slug"], name=meta.get("name") or meta["slug"], spec=doc["spec"]
            )
        )
    return outcomes


def get_playbook(slug: str, *, field: str = "playbook") -> Playbook:
    playbook = Playbook.objects.filter(slug=slug).first()
    if playbook is None:
        raise NotFound(f"no playbook {slug!r} (see `prodops playbooks list`)", field=field)
    return playbook


def get_run(run_id: Any, *, field: str = "run") -> Run:
    try:
        pk = int(str(run_id))
    except ValueError:
        raise InvalidInput(f"a run is a number, not {str(run_id)[:40]!r}", field=field) from None
    run = (
        Run.objects.select_related("playbook", "version", "product", "team", "subject", "buddy")
        .filter(pk=pk)
        .first()
    )
    if run is None:
        raise NotFound(f"no run {pk}", field=field)
    return run


def get_step(run: Run, step_id: str, *, field: str = "step") -> RunStep:
    step = (
        run.steps.select_related("product", "run__product", "run__buddy", "run__subject")
        .filter(step_id=step_id)
        .first()
    )
    if step is None:
        known = ", ".join(run.steps.values_list("step_id", flat=True)[:20])
        raise NotFound(f"run {run.pk} has no step {step_id[:80]!r}; its steps: {known}", field=field)
    return step


# --------------------------------------------------------------------------- facts


@dataclass
class _Scope:
    """Facts for a run: the products' facts (fetched once) and the subject's evidence."""

    product_facts: dict[int, dict[str, Any]]
    signed: set[int]  # products the subject has signed "I can support this" for
    trained: set[int]  # products whose training the subject attended
    roots: list[str]


def _scope(run: Run, product_ids: Iterable[int], now: datetime) -> _Scope:
    ids = sorted({pid for pid in product_ids if pid})
    facts = fact_registry.compute(ids, now) if ids else {}
    signed: set[int] = set()
    trained: set[int] = set()
    if run.subject_id is not None and ids:
        signed = set(
            SupportSignoff.objects.filter(
                person_id=run.subject_id, product_id__in=ids, withdrawn_at__isnull=True
            ).values_list("product_id", flat=True)
        )
        trained = set(
            TrainingSession.objects.filter(
                attendees=run.subject_id, product_id__in=ids, date__lte=now.date()
            ).values_list("product_id", flat=True)
        )
    return _Scope(facts, signed, trained, sorted(condition_catalog().roots()))


def _run_facts(run: Run, steps: Sequence[RunStep], now: datetime) -> dict[str, Any]:
    today = now.date()
    return {
        "run.required_open": sum(1 for s in steps if s.required and not s.closed),
        "run.open": sum(1 for s in steps if not s.closed),
        "run.done": sum(1 for s in steps if s.status == RunStep.Status.DONE),
        "run.total": len(steps),
        "run.overdue": sum(1 for s in steps if not s.closed and s.due is not None and s.due < today),
        "run.days_open": max(0, ((run.closed_at or now) - run.started_at).days),
    }


def _facts_for(scope: _Scope, run_facts: dict[str, Any], product_id: int | None) -> dict[str, Any]:
    facts = dict(scope.product_facts.get(product_id, {})) if product_id else {}
    facts.update(run_facts)
    if product_id:
        facts["run.subject.signed_off"] = product_id in scope.signed
        facts["run.subject.trained"] = product_id in scope.trained
    return facts


# --------------------------------------------------------------------------- runs


def _team_products(team: Team) -> list[Product]:
    return list(team.run_products.exclude(stage="retire").order_by("slug"))


def _latest_training(product: Product) -> str:

    session = TrainingSession.objects.filter(product=product).order_by("-date", "-id").first()
    return f"{session.topic} ({session.date:%Y-%m-%d})" if session else "the next training session"


@dataclass
class _Planned:
    spec: StepSpec
    step_id: str
    title: str
    product: Product | None


def _expand(spec: PlaybookSpec, run: Run, products: list[Product]) -> list[_Planned]:
    """Each step of the spec, once, or once per product / document (``for_each``)."""

    planned: list[_Planned] = []
    for step in spec.steps:
        if step.for_each is None:
            planned.append(
                _Planned(step, step.id, step.title.format_map(_Fmt(product=run.product)), run.product)
            )
            continue
        for product in products:
            if step.for_each == "product":
                title = step.title.format_map(_Fmt(product=product, training=_latest_training(product)))
                planned.append(_Planned(step, f"{step.id}.{product.slug}", title, product))
            else:
                docs = Document.objects.filter(product=product, kind__in=step.documents or []).order_by(
                    "kind", "title"
                )
                for doc in docs:
                    title = step.title.format_map(_Fmt(product=product, document=f"{doc.title} ({doc.kind})"))
                    planned.append(_Planned(step, f"{step.id}.{product.slug}.{doc.pk}", title, product))
    return planned


class _Fmt(dict):
    """``str.format_map`` over a few names; an unknown ``{name}`` is left as written."""

    def __init__(self, product: Product | None = None, **values: str) -> None:
        super().__init__(product=product.name if product else "", **values)

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _default_buddy(team: Team | None, subject: Person | None) -> Person | None:
    if team is None:
        return None
    others = team.members.exclude(pk=subject.pk) if subject else team.members.all()
    return others.order_by("email").first()


def start_run(
    *,
    actor: Actor,
    playbook: Playbook,
    product: Product | None = None,
    team: Team | None = None,
    subject: Person | None = None,
    buddy: Person | None = None,
    trigger: str = "manual",
    now: datetime | None = None,
) -> Run:
    """Start a run of the playbook's current version, for a product, or for a person
    joining a team (onboarding: steps are generated for the team's products)."""
    now = now or timezone.now()
    policy.require(actor, "playbook.start", product)
    version = playbook.current
    spec = PlaybookSpec.model_validate(version.spec)
    generated = any(s.for_each for s in spec.steps)
    if product is None and team is None:
        raise InvalidInput(f"playbook {playbook.slug} runs for a product: give one", field="product")
    if generated and team is None and product is None:
        raise InvalidInput("this playbook generates steps for a team's products: give a team", field="team")
    if team is not None and subject is not None and not team.members.filter(pk=subject.pk).exists():
        raise InvalidInput(f"{subject.email} is not a member of team {team.slug}", field="for")
    if buddy is None and subject is not None:
        buddy = _default_buddy(team, subject)
    run = Run.objects.create(
        playbook=playbook,
        version=version,
        product=product,
        team=team,
        subject=subject,
        buddy=buddy,
        trigger=trigger,
        started_at=now,
        started_by=actor.label,
        done_when=spec.done_when,
    )
    products = [product] if product is not None else _team_products(team) if team is not None else []
    planned = _expand(spec, run, products)
    scope = _scope(run, [p.product.pk for p in planned if p.product], now)
    start_facts = {
        "run.required_open": 0,
        "run.open": 0,
        "run.done": 0,
        "run.total": 0,
        "run.overdue": 0,
        "run.days_open": 0,
    }
    kept: list[_Planned] = []
    for item in planned:
        when = item.spec.when
        if when is not None:
            facts = _facts_for(scope, start_facts, item.product.pk if item.product else None)
            if conditions.evaluate(when, facts, scope.roots, now) is not True:
                continue
        kept.append(item)
    by_base: dict[str, list[_Planned]] = {}
    for item in kept:
        by_base.setdefault(item.spec.id, []).append(item)
    rows = []
    for position, item in enumerate(kept):
        deps: list[str] = []
        for base in item.spec.depends_on:
            candidates = by_base.get(base, [])
            same = [
                c
                for c in candidates
                if item.product is not None and c.product == item.product and c.spec.for_each
            ]
            deps.extend(c.step_id for c in (same or candidates))
        rows.append(
            RunStep(
                run=run,
                position=position,
                step_id=item.step_id,
                title=item.title[:400],
                kind=item.spec.kind,
                phase=item.spec.phase,
                assignee=item.spec.assignee or "",
                product=item.product,
                due=(now + rules.parse_duration(item.spec.due)).date() if item.spec.due else None,
                required=item.spec.required,
                depends_on=deps,
                until=item.spec.until or "",
            )
        )
    RunStep.objects.bulk_create(rows)
    record(
        actor=actor,
        action="playbook.run.start",
        obj=run,
        product=product,
        changes={
            "playbook": [None, playbook.slug],
            "version": [None, version.version],
            "for": [None, subject.email if subject else None],
            "team": [None, team.slug if team else None],
        },
    )
    check_waits(run, now=now)
    _notify_started(run, actor=actor, steps=len(rows), now=now)
    return run


def _notify_started(run: Run, *, actor: Actor, steps: int, now: datetime) -> None:
    """Tell the people concerned: the new engineer and their buddy for an onboarding
    plan, otherwise the product's two leads (notify's default)."""

    people = [p for p in (run.subject, run.buddy) if p is not None] if run.subject else None
    notify(
        event="playbook.run_started",
        product=run.product,
        actor=actor,
        subject={
            "playbook": run.playbook.name,
            "run": run.pk,
            "for_whom": f" for {run.subject.email}" if run.subject else "",
            "steps": steps,
            "done_when": run.done_when,
        },
        recipients=people,
        url=f"/playbooks/runs/{run.pk}/",
        key=f"playbook-run:{run.pk}",
        now=now,
    )


def _steps(run: Run) -> list[RunStep]:
    return list(run.steps.select_related("product").order_by("position"))


def check_waits(run: Run, *, now: datetime | None = None) -> list[str]:
    """Mark done every open ``wait_for`` step whose condition holds now (repeated, since
    one step done changes ``run.*``). Returns the ids of the steps done."""
    if run.status != Run.Status.OPEN:
        return []
    now = now or timezone.now()
    steps = _steps(run)
    waiting = [s for s in steps if s.kind == "wait_for" and not s.closed]
    if not waiting:
        return []
    scope = _scope(run, [s.product_id for s in waiting if s.product_id], now)
    done: list[str] = []
    changed = True
    while changed:
        changed = False
        run_facts = _run_facts(run, steps, now)
        for step in waiting:
            if step.closed or not _deps_closed(step, steps):
                continue
            if conditions.evaluate(
                step.until, _facts_for(scope, run_facts, step.product_id), scope.roots, now
            ):
                step.status = RunStep.Status.DONE
                step.done_at, step.done_by = now, "condition"
                step.note = f"{step.until} holds"
                step.save(update_fields=["status", "done_at", "done_by", "note"])
                record(
                    actor=Actor.system("playbooks"),
                    action="playbook.step.condition_met",
                    obj=run,
                    product=run.product,
                    changes={"step": [None, step.step_id], "until": [None, step.until]},
                )
                done.append(step.step_id)
                changed = True
    return done


def _deps_closed(step: RunStep, steps: Sequence[RunStep]) -> bool:
    closed = {s.step_id for s in steps if s.closed}
    return all(dep in closed for dep in step.depends_on)


def _open_run(run: Run) -> None:
    if run.status != Run.Status.OPEN:
        raise Refused(f"run {run.pk} is {run.status}", field="run")


def _writable_step(run: Run, step: RunStep) -> None:
    _open_run(run)
    if step.closed:
        raise Refused(f"step {step.step_id!r} is already {step.status}", field="step")
    waiting = [d for d in step.depends_on if d not in {s.step_id for s in run.steps.all() if s.closed}]
    if waiting:
        raise Refused(f"step {step.step_id!r} waits for {', '.join(waiting)}", field="step")


def _clean_text(value: str, field: str, limit: int = 5000) -> str:
    value = (value or "").strip()
    if "\x00" in value or len(value) > limit:
        raise InvalidInput(f"at most {limit} characters, no NUL bytes", field=field)
    return value


def start_step(*, actor: Actor, run: Run, step_id: str) -> RunStep:
    step = get_step(run, step_id)
    decision = policy.require(actor, "playbook.step.do", step)
    _writable_step(run, step)
    step.status = RunStep.Status.IN_PROGRESS
    step.override = step.override or decision.override
    step.save(update_fields=["status", "override"])
    record(
        actor=actor,
        action="playbook.step.start",
        obj=run,
        product=run.product,
        changes={"step": [None, step.step_id]},
    )
    return step


def do_step(
    *,
    actor: Actor,
    run: Run,
    step_id: str,
    note: str = "",
    evidence: str = "",
    approve: bool = True,
    reason: str = "",
    now: datetime | None = None,
) -> RunStep:
    """The assignee marks a step done: a task with a note, an evidence step with the
    evidence (a link or a file reference), an approval approved (or rejected with a
    reason: the step stays open). A ``wait_for`` step completes by itself."""
    now = now or timezone.now()
    step = get_step(run, step_id)
    decision = policy.require(actor, "playbook.step.do", step)
    note = _clean_text(note, "note")
    evidence = _clean_text(evidence, "evidence", 500)
    reason = _clean_text(reason, "reason")
    _writable_step(run, step)
    if step.kind == "wait_for":
        raise Refused(f"step {step.step_id!r} completes by itself once {step.until} holds", field="step")
    if step.kind == "evidence" and not evidence:
        raise InvalidInput(
            f"step {step.step_id!r} needs evidence: a link or a file reference", field="evidence"
        )
    if step.kind == "approval" and not approve:
        if not reason:
            raise InvalidInput("a rejection needs a reason", field="reason")
        step.outcome, step.reason = "rejected", reason
        step.done_by, step.override = actor.label, decision.override
        step.save(update_fields=["outcome", "reason", "done_by", "override"])
        record(
            actor=actor,
            action="playbook.step.reject",
            obj=run,
            product=run.product,
            changes={"step": [None, step.step_id], "reason": [None, reason]},
        )
        return step
    step.status = RunStep.Status.DONE
    step.outcome = "approved" if step.kind == "approval" else ""
    step.note, step.evidence = note, evidence
    step.done_at, step.done_by, step.override = now, actor.label, decision.override
    if decision.override:
        step.reason = actor.reason
    step.save()
    record(
        actor=actor,
        action="playbook.step.override" if decision.override else "playbook.step.done",
        obj=run,
        product=run.product,
        changes={"step": [None, step.step_id], "note": [None, note], "evidence": [None, evidence]},
    )
    check_waits(run, now=now)
    return step


def skip_step(
    *, actor: Actor, run: Run, step_id: str, reason: str = "", now: datetime | None = None
) -> RunStep:
    """Skip a step. A required step only by product operations or an admin, and only
    with a reason; an optional one also by its assignee."""
    step = get_step(run, step_id)
    reason = _clean_text(reason, "reason")
    if step.required:
        policy.require(actor, "playbook.step.skip_required", run)
        if not reason:
            raise InvalidInput(
                f"step {step.step_id!r} is required: skipping it needs a reason", field="reason"
            )
    elif not policy.allows(actor, "playbook.step.skip_required", run):
        policy.require(actor, "playbook.step.do", step)
    _writable_step(run, step)
    step.status = RunStep.Status.SKIPPED
    step.reason = reason
    step.done_at, step.done_by = now or timezone.now(), actor.label
    step.save(update_fields=["status", "reason", "done_at", "done_by"])
    record(
        actor=actor,
        action="playbook.step.skip",
        obj=run,
        product=run.product,
        changes={"step": [None, step.step_id], "reason": [None, reason], "required": [None, step.required]},
    )
    check_waits(run, now=now)
    return step


@dataclass
class DoneWhen:
    holds: bool
    missing: list[str]


def done_when(run: Run, *, now: datetime | None = None) -> DoneWhen:
    """Does the run's ``done_when`` hold? If not, exactly what is missing: each open
    required step (for ``run.required_open``) and each other part that is not true."""
    now = now or timezone.now()
    steps = _steps(run)
    scope = _scope(run, [run.product_id] if run.product_id else [], now)
    facts = _facts_for(scope, _run_facts(run, steps, now), run.product_id)
    missing: list[str] = []
    for part in conditions.missing_parts(run.done_when, facts, scope.roots, now):
        if "run.required_open" in {n for n, _ in rules.references(part.condition)}:
            missing.extend(
                f"required step {s.step_id!r} ({s.title}) is {s.status.replace('_', ' ')}"
                for s in steps
                if s.required and not s.closed
            )
            if facts["run.required_open"] == 0:
                missing.append(part.describe())
        else:
            missing.append(part.describe())
    return DoneWhen(holds=not missing, missing=missing)


def close_run(*, actor: Actor, run: Run, now: datetime | None = None) -> Run:
    """Close the run, only when its ``done_when`` holds; otherwise ``Refused`` with the
    list of what is missing (``details["missing"]``)."""
    now = now or timezone.now()
    policy.require(actor, "playbook.close", run)
    _open_run(run)
    check_waits(run, now=now)
    verdict = done_when(run, now=now)
    if not verdict.holds:
        raise Refused(
            f"run {run.pk} is not done: " + "; ".join(verdict.missing),
            field="run",
            details={"missing": verdict.missing},
        )
    run.status = Run.Status.CLOSED
    run.closed_at, run.closed_by = now, actor.label
    run.save(update_fields=["status", "closed_at", "closed_by"])
    record(
        actor=actor,
        action="playbook.run.close",
        obj=run,
        product=run.product,
        changes={"status": ["open", "closed"]},
    )
    return run


# --------------------------------------------------------------------------- views of a run


def assignee_label(step: RunStep) -> str:
    emails = sorted(step.assignee_emails)
    if not step.assignee:
        return ""
    if "@" in step.assignee or not emails:
        return step.assignee
    return f"{step.assignee} ({', '.join(emails[:3])}{', …' if len(emails) > 3 else ''})"


def run_dict(run: Run, *, now: datetime | None = None) -> dict[str, Any]:
    """The run as the CLI's ``--format json`` and the API show it."""
    steps = _steps(run)
    verdict = done_when(run, now=now)
    done = sum(1 for s in steps if s.closed)
    return {
        "id": run.pk,
        "playbook": run.playbook.slug,
        "version": run.version.version,
        "latest_version": run.playbook.version,
        "product": run.product.slug if run.product else None,
        "team": run.team.slug if run.team else None,
        "for": run.subject.email if run.subject else None,
        "buddy": run.buddy.email if run.buddy else None,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "closed_at": run.closed_at.isoformat() if run.closed_at else None,
        "progress": {"closed": done, "total": len(steps)},
        "steps": [
            {
                "id": s.step_id,
                "title": s.title,
                "kind": s.kind,
                "phase": s.phase,
                "status": s.status,
                "assignee": s.assignee or None,
                "assignees": sorted(s.assignee_emails),
                "product": s.product.slug if s.product else None,
                "due": s.due.isoformat() if s.due else None,
                "required": s.required,
                "depends_on": s.depends_on,
                "until": s.until or None,
                "outcome": s.outcome or None,
                "note": s.note or None,
                "evidence": s.evidence or None,
                "reason": s.reason or None,
                "done_by": s.done_by or None,
                "done_at": s.done_at.isoformat() if s.done_at else None,
            }
            for s in steps
        ],
        "done_when": {"condition": run.done_when, "holds": verdict.holds, "missing": verdict.missing},
    }


def runs_for_product(product: Product) -> list[Run]:
    return list(
        Run.objects.filter(Q(product=product) | Q(steps__product=product))
        .distinct()
        .select_related("playbook", "version")
    )


# --------------------------------------------------------------------------- triggers


def runs_waiting_on(product_ids: Sequence[int]) -> list[Run]:
    """Open runs with an open ``wait_for`` step about one of these products."""
    return list(
        Run.objects.filter(
            status=Run.Status.OPEN,
            steps__kind="wait_for",
            steps__status__in=[RunStep.Status.OPEN, RunStep.Status.IN_PROGRESS],
        )
        .filter(Q(product_id__in=product_ids) | Q(steps__product_id__in=product_ids))
        .distinct()
        .select_related("playbook", "product", "subject")
    )


def on_facts_changed(product_ids: Sequence[int], *, now: datetime | None = None) -> int:
    """Check the waiting steps of the runs about these products; returns steps done."""
    return sum(len(check_waits(run, now=now)) for run in runs_waiting_on(product_ids))


def on_transition_executed(*, product: Product, to_stage: str, now: datetime | None = None) -> list[Run]:
    """Start every playbook triggered by entering ``to_stage`` (one open run each)."""
    started = []
    for playbook in Playbook.objects.all():
        trigger = PlaybookSpec.model_validate(playbook.current.spec).trigger
        if trigger.on != "transition.executed" or trigger.to != to_stage:
            continue
        if Run.objects.filter(playbook=playbook, product=product, status=Run.Status.OPEN).exists():
            continue
        started.append(
            start_run(
                actor=Actor.task("playbooks.trigger"),
                playbook=playbook,
                product=product,
                trigger=f"transition:{to_stage}",
                now=now,
            )
        )
    return started


def on_members_added(*, team: Team, person_ids: Sequence[int], now: datetime | None = None) -> list[Run]:
    """A person joined a run team: start its onboarding playbook(s) for them."""
    if team.kind != Team.Kind.RUN:
        return []
    started = []
    for playbook in Playbook.objects.all():
        if PlaybookSpec.model_validate(playbook.current.spec).trigger.on != ONBOARDING_TRIGGER:
            continue
        for person in Person.objects.filter(pk__in=person_ids).order_by("email"):
            if Run.objects.filter(
                playbook=playbook, team=team, subject=person, status=Run.Status.OPEN
            ).exists():
                continue
            started.append(
                start_run(
                    actor=Actor.task("playbooks.onboarding"),
                    playbook=playbook,
                    team=team,
                    subject=person,
                    trigger=ONBOARDING_TRIGGER,
                    now=now,
                )
            )
    return started


def start_scheduled(*, now: datetime | None = None) -> list[Run]:
    """Start the scheduled playbooks that are due, for each product in their stages."""
    now = now or timezone.now()
    started = []
    for playbook in Playbook.objects.all():
        trigger = PlaybookSpec.model_validate(playbook.current.spec).trigger
        if trigger.on != "schedule" or not trigger.every:
            continue
        every = rules.parse_duration(trigger.every)
        products = Product.objects.exclude(stage="retire")
        if trigger.stages:
            products = products.filter(stage__in=trigger.stages)
        for product in products.order_by("slug"):
            last = Run.objects.filter(playbook=playbook, product=product).order_by("-started_at").first()
            if last is not None and (last.status == Run.Status.OPEN or last.started_at > now - every):
                continue
            started.append(
                start_run(
                    actor=Actor.task("playbooks.schedule"),
                    playbook=playbook,
                    product=product,
                    trigger="schedule",
                    now=now,
                )
            )
    return started


def newcomers_by_team(team_ids: Iterable[int]) -> dict[int, set[int]]:
    """team id → people with an open onboarding run for that team (they count at a
    fraction of their capacity until they sign off; see knowledge/facts.py)."""
    out: dict[int, set[int]] = {}
    for team_id, person_id in Run.objects.filter(
        team_id__in=list(team_ids), subject__isnull=False, status=Run.Status.OPEN
    ).values_list("team_id", "subject_id"):
        out.setdefault(team_id, set()).add(person_id)
    return out


# --------------------------------------------------------------------------- statistics


def playbook_stats(playbook: Playbook) -> dict[str, Any]:
    """Runs, median duration (closed runs, days), steps done on time, skip rate, runs
    still open on an older version (see ``stats.summarise``)."""

    figures = []
    for run in Run.objects.filter(playbook=playbook).select_related("version").prefetch_related("steps"):
        steps = list(run.steps.all())
        figures.append(
            RunFigures(
                closed=run.status == Run.Status.CLOSED,
                duration_days=(run.closed_at - run.started_at).total_seconds() / 86400
                if run.closed_at
                else None,
                version=run.version.version,
                steps=len(steps),
                skipped=sum(1 for s in steps if s.status == RunStep.Status.SKIPPED),
                due_done=sum(1 for s in steps if s.due is not None and s.status == RunStep.Status.DONE),
                on_time=sum(
                    1
                    for s in steps
                    if s.due is not None
                    and s.status == RunStep.Status.DONE
                    and s.done_at is not None
                    and timezone.localtime(s.done_at).date() <= s.due
                ),
            )
        )
    return summarise(figures, latest_version=playbook.version)


def playbook_json_schema() -> dict[str, Any]:
    """The JSON Schema of a Playbook document: its variant of ``prodops schema`` with the
    definitions it uses (docs/playbooks.md embeds it; a test keeps the copy current)."""

    full = json_schema()
    variant = next(v for v in full["oneOf"] if v["title"] == "Playbook")
    text = json.dumps(variant)
    defs = {name: d for name, d in full["$defs"].items() if f'"#/$defs/{name}"' in text}
    # Definitions used by definitions (StepSpec inside PlaybookSpec), to a fixed point.
    while True:
        more = {
            name: d
            for name, d in full["$defs"].items()
            if name not in defs and f'"#/$defs/{name}"' in json.dumps(defs)
        }
        if not more:
            break
        defs.update(more)
    return {**variant, "$defs": dict(sorted(defs.items()))}
