"""Readiness: standards, evaluation, custom facts, attestations and waivers.

Every write takes an ``actor``, records the change in the audit log and, when it feeds
facts, sends ``facts_changed``. Shells own the transaction.

Main entry points (all keyword-only):

* ``apply_standard(actor, slug, name, spec)`` — create or update a standard (rules are
  compiled and checked first; ``StandardError`` names the criterion and position).
* ``get_standard(slug)`` → ``CompiledStandard``, compiled once per standard version.
* ``evaluate_products(product_ids=None)`` → ``{product_id: Readiness}``, stored with history.
* ``product_readiness(product, gate=None)`` → ``Readiness`` for the gate (default: the next
  stage), computed fresh, so an expired waiver or attestation stops counting at once.
* ``product_facts(product)``, ``set_custom_facts(actor, product, facts)``.
* ``attest(actor, product, criterion_id, evidence_url, comment)``.
* ``create_waiver(...)``, ``sign_waiver(actor, waiver)``, ``revoke_waiver(...)``,
  ``expiring_waivers(within)``.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import connection, transaction
from django.db.models import CharField, DateTimeField, F, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pydantic import ValidationError

from prodops.accounts import policy
from prodops.audit.models import AuditEntry
from prodops.audit.services import record
from prodops.catalog.facts import provide_products
from prodops.catalog.models import Person, Product, Team
from prodops.core import facts as fact_registry
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, PermissionDenied, Refused
from prodops.core.prepared import PreparedQuery
from prodops.core.signals import notify_facts_changed
from prodops.core.tasks import enqueue_on_commit
from prodops.notifications.services import both_leads, notify, team_members
from prodops.readiness import rules
from prodops.readiness.models import (
    Attestation,
    EvaluationChange,
    PendingEvaluation,
    ProductEvaluation,
    Standard,
    Waiver,
    signed_by_two,
)
from prodops.readiness.rules import CompiledStandard, Result, RuleError
from prodops.readiness.spec import StandardSpec, dump
from prodops.risks.models import Risk

log = logging.getLogger(__name__)

DEFAULT_STANDARD_PATH = Path(__file__).parent / "standards" / "default.yaml"
DEFAULT_SLUG = "default"
CHUNK = 2000  # products per batch: well under SQLite's limit on query parameters


class ReadinessError(InvalidInput):
    """Bad input to a readiness service; ``field`` names the offending field."""


# The actor may not do this: the policy's refusal (kept under its old name for callers).
NotAllowed = PermissionDenied


# --- who is who ---------------------------------------------------------------------------


def actor_user(actor: Actor) -> Any:
    """The actor's saved user, for a nullable FK (None for CLI and system actors)."""
    return actor.user if actor.user is not None and actor.user.pk else None


def is_admin(actor: Actor) -> bool:
    return policy.role_of(actor) == policy.ADMIN


def lead_roles(*, actor: Actor, product: Product) -> set[str]:
    """The lead roles the actor holds on the product, matched by email (case-insensitive).
    A viewer holds none, even when named as a lead (the policy decides)."""
    return policy.lead_roles(actor, product)


# --- standards ----------------------------------------------------------------------------


def parse_standard_spec(data: Any) -> StandardSpec:
    """Validate a spec; raise ReadinessError naming the field (``spec.criteria[3].gate``)."""
    try:
        spec = StandardSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(["spec", *(str(p) for p in err["loc"])])
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise ReadinessError(f"{loc}: {msg}", field=loc) from None
    problem = spec.problem()
    if problem is not None:
        raise ReadinessError(f"spec.{problem[0]}: {problem[1]}", field=f"spec.{problem[0]}")
    return spec


def placeholder_values() -> dict[str, set[str]]:
    """Known values of fact-name placeholders (``<kind>``: the knowledge app's document
    kinds), registered by the apps that own them (``core.facts.register_placeholder``)."""
    return fact_registry.placeholder_values()


def _fact_source(description: str) -> str:
    """What provides a fact, for "no data yet: ...": the first sentence of its
    description, which says where the value comes from."""
    first = re.split(r"(?<=[.;])\s", description.strip(), maxsplit=1)[0].rstrip(".;")
    return first if len(first) <= 120 else first[:119].rstrip() + "…"


def fact_catalog() -> rules.FactCatalog:
    return rules.FactCatalog(
        [rules.FactName(s.name, s.type, _fact_source(s.description)) for s in fact_registry.specs()],
        placeholder_values(),
    )


def compile_spec(
    *, slug: str, version: int, spec: StandardSpec, check_types: bool = False
) -> CompiledStandard:
    """Compile every rule; raise ReadinessError naming the criterion, field and position.
    ``check_types`` (when applying) also type-checks the rules against the facts' types."""
    criteria = [c.to_criterion() for c in spec.criteria]
    try:
        return rules.compile_standard(
            slug=slug,
            version=version,
            stages=spec.stage_list,
            criteria=criteria,
            catalog=fact_catalog(),
            check_types=check_types,
        )
    except RuleError as exc:
        index = next(i for i, c in enumerate(criteria) if c.id == exc.criterion_id)
        raise ReadinessError(str(exc), field=f"spec.criteria.{index}.rule") from None


def spec_digest(spec: StandardSpec) -> str:
    return hashlib.sha256(json.dumps(dump(spec), sort_keys=True).encode()).hexdigest()


def apply_standard(
    *, actor: Actor, slug: str, name: str, spec: StandardSpec | dict[str, Any], dry_run: bool = False
) -> str:
    """Create or update a standard so it matches the spec: ``created``, ``updated`` or
    ``unchanged``. The version grows only when the spec changes. Products on this
    standard are re-evaluated (through ``facts_changed``)."""
    policy.require(actor, "standard.manage")
    parsed = parse_standard_spec(spec.model_dump() if isinstance(spec, StandardSpec) else spec)
    digest = spec_digest(parsed)
    existing = Standard.objects.filter(slug=slug).first()
    version = 1 if existing is None else existing.version + (existing.digest != digest)
    compile_spec(slug=slug, version=version, spec=parsed, check_types=True)  # refuse bad rules first
    _refuse_stranding(slug, parsed.stage_list)
    if existing is not None and existing.digest == digest and existing.name == name:
        return "unchanged"
    if dry_run:
        return "created" if existing is None else "updated"
    fields = {
        "name": name,
        "description": parsed.description,
        "spec": dump(parsed),
        "digest": digest,
        "version": version,
    }
    if existing is None:
        obj = Standard.objects.create(slug=slug, **fields)
        record(actor=actor, action="standard.create", obj=obj, changes={"version": [None, version]})
        outcome = "created"
    else:
        before = {"name": existing.name, "version": existing.version}
        for key, value in fields.items():
            setattr(existing, key, value)
        existing.save()
        obj = existing
        record(
            actor=actor,
            action="standard.update",
            obj=obj,
            changes={"name": [before["name"], name], "version": [before["version"], version]},
        )
        outcome = "updated"
    notify_facts_changed(list(Product.objects.filter(standard=slug).values_list("pk", flat=True)))
    return outcome


def _refuse_stranding(slug: str, stages: Sequence[str]) -> None:
    """A standard may not drop a stage that one of its products is in: the product
    would have no next gate and no way to move (only transitions move a stage), and the
    catalog would no longer round-trip through export and apply."""
    stranded = list(
        Product.objects.filter(standard=slug)
        .exclude(stage__in=list(stages))
        .order_by("stage", "slug")
        .values_list("slug", "stage")
    )
    if stranded:
        shown = ", ".join(f"{p} ({stage})" for p, stage in stranded[:10])
        more = f" and {len(stranded) - 10} more" if len(stranded) > 10 else ""
        raise ReadinessError(
            f"spec.stages: {len(stranded)} product(s) on standard {slug!r} are in a stage it "
            f"drops: {shown}{more}; move them first (a transition) or keep the stage",
            field="spec.stages",
        )


def default_standard_document() -> dict[str, Any]:
    """The default standard shipped with the package, as a manifest document."""
    return dict(yaml.safe_load(DEFAULT_STANDARD_PATH.read_text()))


@lru_cache(maxsize=64)
def _compiled(slug: str, version: int, digest: str, spec_json: str) -> CompiledStandard:
    spec = StandardSpec.model_validate(json.loads(spec_json))
    return compile_spec(slug=slug, version=version, spec=spec)


@lru_cache(maxsize=1)
def _packaged_default() -> tuple[str, int, str, str]:
    # The packaged file only changes with the code, so it is read once per process.
    doc = default_standard_document()
    spec = StandardSpec.model_validate(doc["spec"])
    return DEFAULT_SLUG, 0, spec_digest(spec), json.dumps(dump(spec), sort_keys=True)


_by_version: dict[tuple[str, int, str], CompiledStandard] = {}
_ASK: Any = object()


def get_standard(slug: str, *, head: tuple[int, str] | None = _ASK) -> CompiledStandard:
    """The compiled standard (cached per version). The default standard falls back to the
    packaged one (version 0) until one is applied. Unknown slug → ReadinessError.
    ``head``: the stored (version, digest) of that slug, or None when none is stored,
    when the caller has read it already (the evaluation reads it with the products)."""
    if head is _ASK:
        head = Standard.objects.filter(slug=slug).values_list("version", "digest").first()
    if head is not None:
        # The spec (a large JSON document) is only read and decoded when this version
        # has not been compiled in this process yet: re-evaluating one product stays cheap.
        known = _by_version.get((slug, head[0], head[1]))
        if known is not None:
            return known
        row = Standard.objects.filter(slug=slug).values_list("version", "digest", "spec").first()
        if row is not None:
            compiled = _compiled(slug, row[0], row[1], json.dumps(row[2], sort_keys=True))
            if len(_by_version) > 64:
                _by_version.clear()
            _by_version[(slug, row[0], row[1])] = compiled
            return compiled
    if slug == DEFAULT_SLUG:
        return _compiled(*_packaged_default())
    raise ReadinessError(f"no standard named {slug!r}", field="standard")


# --- evaluation ---------------------------------------------------------------------------


@dataclass
class CriterionStatus:
    id: str
    title: str
    gate: str
    area: str
    severity: str
    kind: str  # rule | attest
    rule: str | None
    role: str | None
    status: str
    value: Any
    message: str
    why: str
    fix: str


@dataclass
class Readiness:
    """Readiness of one product for one gate (cumulative: that gate and all earlier)."""

    product_id: int
    product: str  # slug
    stage: str
    gate: str | None
    ready: bool
    standard: str
    standard_version: int
    evaluated_at: datetime
    criteria: list[CriterionStatus] = field(default_factory=list)
    blockers: list[CriterionStatus] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)

    def by_gate(self) -> dict[str, list[CriterionStatus]]:
        groups: dict[str, list[CriterionStatus]] = {}
        for c in self.criteria:
            groups.setdefault(c.gate, []).append(c)
        return groups

    def counts(self) -> dict[str, int]:
        """status → number of criteria (of this gate and every earlier one)."""
        if self.totals:
            return dict(self.totals)
        out: dict[str, int] = dict.fromkeys(rules.STATUSES, 0)
        for c in self.criteria:
            out[c.status] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["evaluated_at"] = self.evaluated_at.isoformat()
        data["counts"] = self.counts()
        return data


# --- severity adjustments ----------------------------------------------------------------
# Apps that change how a criterion counts for some products register a source here:
# (product ids, now) -> {product id: {criterion id: "blocking" | "advisory"}}. A campaign
# makes a criterion advisory before its enforce_from date and blocking from then on.
SeveritySource = Callable[[Sequence[int], datetime], Mapping[int, Mapping[str, str]]]
_severity_sources: list[SeveritySource] = []


def register_severity_source(source: SeveritySource) -> None:
    if source not in _severity_sources:
        _severity_sources.append(source)


def severities(product_ids: Sequence[int], now: datetime) -> dict[int, dict[str, str]]:
    """Each product's criteria whose severity differs from the standard's, right now."""
    found: dict[int, dict[str, str]] = {}
    for source in _severity_sources:
        for pid, by_criterion in source(product_ids, now).items():
            found.setdefault(pid, {}).update(by_criterion)
    return found


def _readiness(
    *,
    product_id: int,
    slug: str,
    stage: str,
    gate: str | None,
    standard: CompiledStandard,
    results: Sequence[Result],
    now: datetime,
    detail: bool = True,
    severity_of: Mapping[str, str] | None = None,
) -> Readiness:
    gates = set(standard.gates_up_to(gate)) if gate else set()
    criteria: list[CriterionStatus] = []
    blockers: list[CriterionStatus] = []
    totals: dict[str, int] = dict.fromkeys(rules.STATUSES, 0)
    for res in results:
        crit = standard.by_id[res.id].criterion
        if crit.gate not in gates:
            continue
        totals[res.status] += 1
        severity = severity_of.get(crit.id, crit.severity) if severity_of else crit.severity
        blocking = severity == "blocking" and res.status not in rules.OK_STATUSES
        if not detail and not blocking:
            continue
        status = CriterionStatus(
            id=crit.id,
            title=crit.title,
            gate=crit.gate,
            area=crit.area,
            severity=severity,
            kind="rule" if crit.rule is not None else "attest",
            rule=crit.rule,
            role=crit.attest.role if crit.attest else None,
            status=res.status,
            value=res.value,
            message=res.message,
            why=crit.why,
            fix=crit.fix,
        )
        criteria.append(status)
        if blocking:
            blockers.append(status)
    return Readiness(
        product_id=product_id,
        product=slug,
        stage=stage,
        gate=gate,
        ready=gate is not None and not blockers,
        standard=standard.slug,
        standard_version=standard.version,
        evaluated_at=now,
        criteria=criteria,
        blockers=blockers,
        totals=totals,
    )


@dataclass(frozen=True)
class Evidence:
    """A batch's attestations (the latest per criterion), active waivers and stage entries."""

    attestations: dict[int, dict[str, rules.AttestationInfo]]
    waivers: dict[int, dict[str, rules.WaiverInfo]]
    entered: dict[int, dict[str, datetime]]


def _evidence_query(p: Any) -> Any:
    """The batch's attestations, signed unexpired waivers and stage entries as ONE query
    (a UNION ALL of the three tables). Every column is an annotation, so their order is
    the SELECT's in each branch; NULLs are typed because PostgreSQL types an untyped
    NULL of a UNION's first branch as text.

    * attestations: every one of the batch (the latest per criterion is kept below);
    * waivers: signed by both leads, not revoked, not expired at ``p.now``;
    * stage entries: the audit log's ``product.stage`` entries up to ``p.now`` (written
      by every executed transition)."""
    columns = ("k", "pid", "crit", "who", "t", "exp", "txt", "rid", "chg")

    def text(value: Any = None) -> Any:
        return Cast(Value(value), TextField()) if value is None else value

    def branch(qs: Any, kind: str, **cols: Any) -> Any:
        annotated = qs.annotate(k=Value(kind, CharField()), pid=F("product_id"), **cols)
        return annotated.order_by().values_list(*columns)

    no_time = Cast(Value(None), DateTimeField())
    attestations = branch(
        Attestation.objects.filter(product_id__in_ids=p.ids),
        "a",
        crit=F("criterion"),
        who=F("actor"),
        t=F("attested_at"),
        exp=F("expires_at"),
        txt=F("evidence_url"),
        rid=F("id"),
        chg=text(),
    )
    waivers = branch(
        Waiver.objects.filter(product_id__in_ids=p.ids, revoked_at__isnull=True, expires_at__gt=p.now).filter(
            signed_by_two()
        ),
        "w",
        crit=F("criterion"),
        who=text(),
        t=F("expires_at"),
        exp=F("expires_at"),
        txt=F("reason"),
        rid=F("id"),
        chg=text(),
    )
    stages = branch(
        AuditEntry.objects.filter(product_id__in_ids=p.ids, action="product.stage", at__lte=p.now),
        "s",
        crit=text(),
        who=text(),
        t=F("at"),
        exp=no_time,
        txt=text(),
        rid=F("id"),
        chg=Cast(F("changes"), TextField()),
    )
    return attestations.union(waivers, stages, all=True)


# Re-evaluating one product is mostly the fixed cost of building and compiling each
# query, so the evidence query is built once per batch size (core.prepared).
_EVIDENCE = PreparedQuery(_evidence_query, now=DateTimeField())


def _evidence(ids: Sequence[int], now: datetime) -> Evidence:
    """Attestations (the latest per criterion), active waivers (the one expiring last
    wins for its criterion) and stage entries (when each product last entered each
    stage; a product that never moved has none, and then no attestation is too old for
    its stage) of a batch, in one query (``_evidence_query``)."""
    out = Evidence({}, {}, {})
    # Oldest first, so that the later row of a criterion or stage is the one kept.
    for kind, pid, crit, who, at, expires, txt, rid, changes in sorted(
        _EVIDENCE.rows(ids=list(ids), now=now), key=lambda row: (row[4], row[7])
    ):
        if kind == "a":
            out.attestations.setdefault(pid, {})[crit] = rules.AttestationInfo(
                by=who, at=at, expires_at=expires, evidence=txt
            )
        elif kind == "w":
            out.waivers.setdefault(pid, {})[crit] = rules.WaiverInfo(id=rid, expires_at=expires, reason=txt)
        else:
            stage = (json.loads(changes) if changes else {}).get("stage") or [None, None]
            if isinstance(stage, list) and len(stage) == 2 and isinstance(stage[1], str):
                out.entered.setdefault(pid, {})[stage[1]] = at
    return out


def _standard_for(
    slug: str, cache: dict[str, CompiledStandard], head: tuple[int, str] | None = _ASK
) -> CompiledStandard:
    if slug not in cache:
        try:
            cache[slug] = get_standard(slug, head=head)
        except ReadinessError:
            log.warning("product names unknown standard %r; evaluating against the default", slug)
            cache[slug] = get_standard(DEFAULT_SLUG)
    return cache[slug]


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a batch is evaluated. A batch
    allocates hundreds of thousands of small objects (facts, contexts, results), which
    sets off full collections that rescan every object in the process: a third of a
    portfolio evaluation's CPU. The batch makes almost no reference cycles, reference
    counting frees it, and the collector runs again after the batch."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def evaluate_products(
    *,
    product_ids: Sequence[int] | None = None,
    now: datetime | None = None,
    persist: bool = True,
    detail: bool = False,
) -> dict[int, Readiness]:
    """Evaluate products (all when ``product_ids`` is None) against their standards, in
    batches: facts, attestations and waivers are fetched per batch, never per product.
    With ``persist``, the results are stored and every status change becomes a history
    row. Returns each product's readiness for its next stage; without ``detail`` only
    its blockers are listed in ``criteria`` (``counts()`` still covers every criterion),
    which keeps a full portfolio evaluation cheap."""
    now = now or timezone.now()
    if product_ids is None:
        ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted({int(pid) for pid in product_ids})
    cache: dict[str, CompiledStandard] = {}
    out: dict[int, Readiness] = {}
    for chunk in _chunks(ids, CHUNK):
        with _collector_paused():
            _evaluate_chunk(
                _product_rows(chunk), now=now, persist=persist, detail=detail, cache=cache, out=out
            )
    return out


def _product_rows_query(p: Any) -> Any:
    head = Standard.objects.filter(slug=OuterRef("standard"))
    stored = ProductEvaluation.objects.filter(product_id=OuterRef("pk"))
    return (
        Product.objects.filter(pk__in_ids=p.ids)
        .order_by("pk")
        .annotate(
            std_version=Subquery(head.values("version")[:1]),
            std_digest=Subquery(head.values("digest")[:1]),
            stored_digest=Subquery(stored.values("digest")[:1]),
        )
    )


_PRODUCT_ROWS = PreparedQuery(_product_rows_query)


def _product_rows(ids: Sequence[int]) -> list[Product]:
    """The batch's whole product rows (handed to every fact provider, which would
    otherwise each read the columns they need), each with its standard's stored version
    and digest (``std_version``, ``std_digest``: None when none is stored) and the
    digest of its stored evaluation (``stored_digest``: None without one), so that
    neither is a query of its own."""
    rows: list[Product] = _PRODUCT_ROWS.rows(ids=list(ids))
    return rows


def _providers_for(standards: Iterable[CompiledStandard]) -> list[fact_registry.Provider]:
    """The fact providers whose facts these standards' rules read. The others are not
    run: a result depends on the facts its rules read and on nothing else (the rules'
    context keeps only those, ``CompiledStandard.wants``), and skipping them saves a
    one-product re-evaluation several queries. Kept with each compiled standard, and
    made again when the registry changes."""
    everyone = fact_registry.providers()
    key = tuple(map(id, everyone))
    chosen: set[int] = set()
    for standard in {id(s): s for s in standards}.values():
        memo = standard.memo.get("providers")
        if memo is None or memo[0] != key:
            serving = fact_registry.serving(standard.needed, standard.needed_prefixes)
            memo = standard.memo["providers"] = (key, {id(p) for p in serving})
        chosen |= memo[1]
    return [p for p in everyone if id(p) in chosen]


def _evaluate_chunk(
    chunk: Sequence[Product],
    *,
    now: datetime,
    persist: bool,
    detail: bool,
    cache: dict[str, CompiledStandard],
    out: dict[int, Readiness],
) -> None:
    ids = [p.pk for p in chunk]
    standard_of: dict[int, CompiledStandard] = {}
    for product in chunk:
        head = None if product.std_version is None else (product.std_version, product.std_digest)  # type: ignore[attr-defined]
        standard_of[product.pk] = _standard_for(product.standard, cache, head)
    context = fact_registry.FactContext(ids, now)
    provide_products(context, chunk)
    facts = fact_registry.compute(ids, now, context=context, only=_providers_for(standard_of.values()))
    evidence = _evidence(ids, now)
    adjusted = severities(ids, now)
    evaluated: dict[int, tuple[CompiledStandard, list[Result]]] = {}
    for product in chunk:
        pid, slug, tier, stage = product.pk, product.slug, product.tier, product.stage
        standard = standard_of[pid]
        results = rules.evaluate_product(
            standard,
            facts=facts.get(pid, {}),
            tier=tier,
            now=now,
            attestations=evidence.attestations.get(pid),
            waivers=evidence.waivers.get(pid),
            stage_entered=evidence.entered.get(pid),
        )
        evaluated[pid] = (standard, results)
        out[pid] = _readiness(
            product_id=pid,
            slug=slug,
            stage=stage,
            gate=standard.next_stage(stage),
            standard=standard,
            results=results,
            now=now,
            detail=detail,
            severity_of=adjusted.get(pid),
        )
    if persist:
        stored = {p.pk: p.stored_digest for p in chunk if p.stored_digest is not None}  # type: ignore[attr-defined]
        _persist(evaluated, out, now, stored)


def _fingerprint(
    standard: CompiledStandard, gate: str | None, results: Sequence[Result], ready: bool = False
) -> str:
    """What the stored row depends on: unchanged fingerprint, nothing to rewrite. ``ready``
    is part of it: a severity adjustment (a campaign's enforce_from) changes it alone."""
    data = json.dumps(
        [
            standard.slug,
            standard.version,
            gate,
            ready,
            [(r.id, r.status, r.value, r.message) for r in results],
        ],
        default=str,
    )
    return hashlib.blake2b(data.encode(), digest_size=16).hexdigest()


def _persist(
    evaluated: dict[int, tuple[CompiledStandard, list[Result]]],
    readiness: dict[int, Readiness],
    now: datetime,
    stored: Mapping[int, str],
) -> None:
    """Store the results. ``stored``: the digest of each product's stored row (absent:
    no row yet), read with the products; only the changed rows are read whole."""
    fingerprints = {
        pid: _fingerprint(standard, readiness[pid].gate, results, readiness[pid].ready)
        for pid, (standard, results) in evaluated.items()
    }
    unchanged = [pid for pid, fp in fingerprints.items() if stored.get(pid) == fp]
    changed_ids = [pid for pid in evaluated if pid in stored and stored[pid] != fingerprints[pid]]
    existing = {e.product_id: e for e in _STORED_ROWS.rows(ids=changed_ids)} if changed_ids else {}
    creates: list[ProductEvaluation] = []
    updates: list[ProductEvaluation] = []
    changes: list[EvaluationChange] = []
    news: list[tuple[int, str, dict[str, Any]]] = []  # (product, event, subject) to notify
    for pid, (standard, results) in evaluated.items():
        if pid in stored and pid not in existing:
            continue  # unchanged
        old = existing.get(pid)
        old_results: dict[str, Any] = old.results if old is not None else {}
        if old is not None:
            news.extend(_news(pid, standard, readiness[pid], old, results))
        new_results: dict[str, Any] = {}
        for res in results:
            prev = old_results.get(res.id)
            same = prev is not None and prev.get("status") == res.status
            entry: dict[str, Any] = {
                "status": res.status,
                "value": res.value,
                "since": prev["since"] if same and prev else now.isoformat(),
            }
            # A failing rule's message is only "<rule> is false": left out, it keeps
            # 10,000 stored rows small; other messages (unknown, waived, attest) are kept.
            if res.message and not (res.status == "fail" and standard.by_id[res.id].program is not None):
                entry["message"] = res.message
            new_results[res.id] = entry
            if old is not None and not same:
                changes.append(
                    EvaluationChange(
                        product_id=pid,
                        criterion=res.id,
                        gate=standard.by_id[res.id].criterion.gate,
                        old_status=prev["status"] if prev else "",
                        new_status=res.status,
                        value=res.value,
                        message=res.message,
                        at=now,
                    )
                )
        ready = readiness[pid]
        fields = {
            "standard": standard.slug,
            "standard_version": standard.version,
            "evaluated_at": now,
            "results": new_results,
            "next_gate": ready.gate or "",
            "ready": ready.ready,
            "counts": ready.counts(),
            "digest": fingerprints[pid],
        }
        if old is None:
            creates.append(ProductEvaluation(product_id=pid, **fields))
        else:
            for key, value in fields.items():
                setattr(old, key, value)
            updates.append(old)
    if creates:
        # A concurrent evaluation may have created the row meanwhile; its result stands
        # until the next evaluation, which is never far behind.
        ProductEvaluation.objects.bulk_create(creates, batch_size=500, ignore_conflicts=True)
    if updates:
        _update_rows(
            updates,
            [
                "standard",
                "standard_version",
                "evaluated_at",
                "results",
                "next_gate",
                "ready",
                "counts",
                "digest",
            ],
        )
    if unchanged:
        _touch(unchanged, now)
    if changes:
        EvaluationChange.objects.bulk_create(changes, batch_size=1000)
    if news:
        _tell_news(news, now)


_STORED_ROWS = PreparedQuery(lambda p: ProductEvaluation.objects.filter(product_id__in_ids=p.ids))


def _touch(ids: Sequence[int], now: datetime) -> None:
    """Mark unchanged stored rows as evaluated now: one UPDATE whose SQL is written here
    (the ORM's update builds and compiles a query each time, several times the cost of
    sending it, and re-evaluating one product is made of such fixed costs)."""
    meta = ProductEvaluation._meta
    qn = connection.ops.quote_name
    at = meta.get_field("evaluated_at").get_db_prep_save(now, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(meta.db_table)} SET {qn('evaluated_at')} = %s WHERE {qn('product_id')} IN "
            f"({', '.join(['%s'] * len(ids))})",
            [at, *ids],
        )


def _news(
    pid: int, standard: CompiledStandard, ready: Readiness, old: ProductEvaluation, results: Sequence[Result]
) -> list[tuple[int, str, dict[str, Any]]]:
    """What a stored result's change means to people: the next gate became open
    (``gate.ready``), or a blocking criterion of a gate already passed stopped passing
    (``criterion.regressed``)."""
    out: list[tuple[int, str, dict[str, Any]]] = []
    if ready.gate and ready.ready and not old.ready and old.next_gate == ready.gate:
        out.append((pid, "gate.ready", {"gate": ready.gate}))
    passed = set(standard.gates_up_to(ready.stage)) if ready.stage in standard.stages[1:] else set()
    for res in results:
        crit = standard.by_id[res.id].criterion
        before = (old.results.get(res.id) or {}).get("status")
        if (
            crit.gate in passed
            and crit.severity == "blocking"
            and before in rules.OK_STATUSES
            and res.status not in rules.OK_STATUSES
        ):
            subject = {"criterion": res.id, "gate": crit.gate, "status": res.status, "message": res.message}
            out.append((pid, "criterion.regressed", subject))
    return out


def _tell_news(news: Sequence[tuple[int, str, dict[str, Any]]], now: datetime) -> None:
    products = Product.objects.select_related("build_lead", "run_lead").in_bulk({pid for pid, _, _ in news})
    actor = Actor.task("readiness")
    for pid, event, subject in news:
        product = products[pid]
        recipients = both_leads(product)
        if event == "criterion.regressed":
            recipients += team_members(product, role="run_team")
        notify(event=event, product=product, actor=actor, subject=subject, recipients=recipients, now=now)


def _update_rows(rows: Sequence[ProductEvaluation], names: Sequence[str]) -> None:
    """One parameterised UPDATE per row, sent with ``executemany``. ``bulk_update`` builds
    a ``CASE WHEN id = … THEN …`` expression per field and row instead, which cost more
    CPU than everything else when a tenth of a 10,000-product portfolio changed. Values
    are prepared by the fields themselves, as the ORM's own UPDATE does."""
    meta = ProductEvaluation._meta
    fields = [f for f in meta.concrete_fields if f.name in names]
    pk = meta.pk
    assert pk is not None
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(meta.db_table)} SET "
        + ", ".join(f"{qn(str(f.column))} = %s" for f in fields)
        + f" WHERE {qn(str(pk.column))} = %s"
    )
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk] for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def product_readiness(*, product: Product, gate: str | None = None, now: datetime | None = None) -> Readiness:
    """Readiness of a product for a gate, computed now (not stored). ``gate`` defaults to
    the stage after the product's current one; the criteria listed are those of that
    gate and every earlier one (gates are cumulative). Use the last stage (``retire``)
    to list every criterion. Raises ReadinessError for a gate the standard lacks."""
    now = now or timezone.now()
    standard = _standard_for(product.standard, {})
    if gate is None:
        gate = standard.next_stage(product.stage)
    elif gate not in standard.stages[1:]:
        raise ReadinessError(
            f"{gate!r} is not a gate of standard {standard.slug!r}; "
            f"gates are {', '.join(standard.stages[1:])}",
            field="gate",
        )
    facts = _facts_of(product, now, only=_providers_for([standard]))
    evidence = _evidence([product.pk], now)
    results = rules.evaluate_product(
        standard,
        facts=facts,
        tier=product.tier,
        now=now,
        attestations=evidence.attestations.get(product.pk),
        waivers=evidence.waivers.get(product.pk),
        stage_entered=evidence.entered.get(product.pk),
    )
    return _readiness(
        product_id=product.pk,
        slug=product.slug,
        stage=product.stage,
        gate=gate,
        standard=standard,
        results=results,
        now=now,
        severity_of=severities([product.pk], now).get(product.pk),
    )


def evaluate_criteria(
    standard: CompiledStandard, *, products: Sequence[tuple[int, int | None]], now: datetime
) -> dict[int, list[Result]]:
    """Evaluate a compiled set of criteria (e.g. a campaign's) for (product id, tier)
    pairs, with the same facts, attestations and waivers as a gate; nothing is stored."""
    out: dict[int, list[Result]] = {}
    for chunk in _chunks(list(products), CHUNK):
        ids = [pid for pid, _ in chunk]
        facts = fact_registry.compute(ids, now, only=_providers_for([standard]))
        evidence = _evidence(ids, now)
        for pid, tier in chunk:
            out[pid] = rules.evaluate_product(
                standard,
                facts=facts.get(pid, {}),
                tier=tier,
                now=now,
                attestations=evidence.attestations.get(pid),
                waivers=evidence.waivers.get(pid),
                stage_entered=evidence.entered.get(pid),
            )
    return out


def criterion_dict(crit: rules.Criterion) -> dict[str, Any]:
    """A criterion as plain data (as in the standard's YAML, defaults included)."""
    return {
        "id": crit.id,
        "title": crit.title,
        "gate": crit.gate,
        "area": crit.area,
        "severity": crit.severity,
        "tiers": list(crit.tiers) if crit.tiers else None,
        "rule": crit.rule,
        "attest": {
            "role": crit.attest.role,
            "every": rules.format_duration(crit.attest.every) if crit.attest.every else None,
        }
        if crit.attest
        else None,
        "why": crit.why,
        "fix": crit.fix,
    }


def evaluation_history(*, product: Product, limit: int | None = 100) -> Any:
    """A product's status changes, newest first (the whole queryset with ``limit=None``)."""
    changes = EvaluationChange.objects.filter(product=product)
    return changes if limit is None else list(changes[:limit])


# --- facts --------------------------------------------------------------------------------


def _facts_of(
    product: Product, now: datetime, only: Sequence[fact_registry.Provider] | None = None
) -> dict[str, Any]:
    """Every fact of one product (``only``: those of these providers); its row, as the
    caller holds it, is handed to the providers (a row with deferred columns is read
    again instead: touching a deferred column would cost a query each)."""
    context = fact_registry.FactContext([product.pk], now)
    if not product.get_deferred_fields():
        provide_products(context, [product])
    return fact_registry.compute([product.pk], now, context=context, only=only).get(product.pk, {})


def product_facts(*, product: Product, now: datetime | None = None) -> dict[str, Any]:
    """Every known fact of a product, by name, as JSON-compatible values."""
    values = _facts_of(product, now or timezone.now())
    return {name: rules.jsonable(values[name]) for name in sorted(values)}


_CUSTOM_KEY = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")


@transaction.atomic
def set_custom_facts(
    *, actor: Actor, product: Product, facts: dict[str, Any], replace: bool = False
) -> dict[str, Any]:
    """Set custom facts (``custom.<key>``). A null value removes the key; with
    ``replace``, keys not given are removed. Returns the product's custom facts."""
    decision = policy.require(actor, "facts.set", product)
    for key, value in facts.items():
        if not _CUSTOM_KEY.match(str(key)):
            raise ReadinessError(
                f"facts.{key}: a custom fact key is 1-100 letters, digits, '_' or '-'", field=f"facts.{key}"
            )
        if not isinstance(value, str | int | float | bool | list | dict | type(None)):
            raise ReadinessError(f"facts.{key}: a value must be JSON", field=f"facts.{key}")
    # Read the stored facts under the row lock: two writers of different keys at once
    # must both be kept, and the version must grow once per change.
    stored = Product.objects.select_for_update().filter(pk=product.pk).values_list("facts", "version").get()
    before = dict(stored[0] or {})
    after = {} if replace else dict(before)
    for key, value in facts.items():
        if value is None:
            after.pop(key, None)
        else:
            after[key] = value
    product.facts, product.version = before, stored[1]
    if after == before:
        return after
    Product.objects.filter(pk=product.pk).update(facts=after, version=F("version") + 1)
    product.facts = after
    product.version = stored[1] + 1
    changed = {
        k: [before.get(k), after.get(k)]
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }
    record(
        actor=actor, action="product.facts", obj=product, product=product, changes=changed, decision=decision
    )
    notify_facts_changed([product.pk])
    return after


# --- attestations ------------------------------------------------------------------------


def _attest_role_holder(*, actor: Actor, product: Product, role: str) -> Any:
    """The Person who holds ``role`` on the product and is the actor, or None."""

    email = actor.email
    if not email:
        return None
    if role == "build_lead":
        return product.build_lead if product.build_lead.email.lower() == email else None
    if role == "run_lead":
        return product.run_lead if product.run_lead.email.lower() == email else None
    team: Team | None
    if role == "build_team":
        team = product.build_team
    elif role == "run_team":
        team = product.run_team
    else:
        team = Team.objects.filter(slug=role.removeprefix("team:")).first()
    if team is None:
        return None
    return Person.objects.filter(teams=team, email__iexact=email).first()


def attest(
    *,
    actor: Actor,
    product: Product,
    criterion_id: str,
    evidence_url: str,
    comment: str = "",
    now: datetime | None = None,
) -> Attestation:
    """Record an attestation for an ``attest`` criterion of the product's standard. Only
    a holder of the criterion's role may attest; an admin may, recorded as an override."""
    now = now or timezone.now()
    standard = get_standard(product.standard)
    cc = standard.by_id.get(criterion_id)
    if cc is None or cc.criterion.attest is None:
        raise ReadinessError(
            f"{criterion_id!r} is not an attestation criterion of standard {standard.slug!r}",
            field="criterion",
        )
    if not re.match(r"^https?://\S+$", evidence_url or ""):
        raise ReadinessError("evidence_url must be an http(s) link to the evidence", field="evidence_url")
    role = cc.criterion.attest.role
    if not actor.reason.strip() and comment.strip():
        actor = actor.with_reason(comment.strip())  # an admin's override explains itself in the comment
    action = {"build_lead": "attestation.build_lead", "run_lead": "attestation.run_lead"}.get(
        role, "attestation.team"
    )
    decision = policy.require(actor, action, product)
    person = _attest_role_holder(actor=actor, product=product, role=role)
    if person is None and not decision.override:
        decision = policy.require_override(
            actor,
            action,
            product,
            why=f"only the {role.replace('_', ' ')} of {product.slug} may attest {criterion_id!r}",
        )
    override = decision.override
    every = cc.criterion.attest.every
    obj = Attestation.objects.create(
        product=product,
        criterion=criterion_id,
        role=role,
        person=person,
        actor=actor.label,
        override=override,
        evidence_url=evidence_url,
        comment=comment,
        attested_at=now,
        # Every attestation expires: the criterion's own period, else the default year.
        expires_at=now + (every or rules.DEFAULT_ATTESTATION_VALIDITY),
    )
    record(
        actor=actor,
        action="attestation.override" if override else "attestation.create",
        obj=obj,
        product=product,
        changes={"criterion": [None, criterion_id], "evidence_url": [None, evidence_url]},
        decision=decision,
    )
    notify_facts_changed([product.pk])
    return obj


# --- waivers ------------------------------------------------------------------------------


def _sign(waiver: Waiver, *, actor: Actor, roles: set[str], override: bool, now: datetime) -> list[str]:
    """Sign the unsigned ``roles``. A person signs one role only: the other lead role is
    signed by a different person (an admin's override may sign both, recorded as such)."""
    signed: list[str] = []
    for role in sorted(roles):
        if getattr(waiver, f"{role}_signed_at") is not None:
            continue
        if not override and signed:
            break
        setattr(waiver, f"{role}_signed_at", now)
        setattr(waiver, f"{role}_signed_by", actor.label)
        setattr(waiver, f"{role}_override", override)
        signed.append(role)
    return signed


_RISK_REF = re.compile(r"^\s*(?:RISK[-\s#]*)?(\d{1,18})\s*$", re.IGNORECASE)


def risk_of(*, product: Product, ref: int | str | None) -> Risk | None:
    """The risk of the product's register that ``ref`` names (``RISK-12``, ``12``), None
    for no reference; InvalidInput (field ``risk``) for anything else, so a waiver never
    names a risk that does not exist."""
    if ref is None or (isinstance(ref, str) and not ref.strip()):
        return None
    match = _RISK_REF.match(str(ref))
    if match is None or isinstance(ref, bool):
        raise ReadinessError(f"{ref!r} is not a risk reference such as RISK-12", field="risk")
    risk = Risk.objects.filter(pk=int(match.group(1)), product=product).first()
    if risk is None:
        raise ReadinessError(
            f"no risk RISK-{int(match.group(1))} in the register of {product.slug}", field="risk"
        )
    return risk


def _signed_by(waiver: Waiver, actor: Actor) -> list[str]:
    return [
        role
        for role in ("build_lead", "run_lead")
        if getattr(waiver, f"{role}_signed_at") is not None
        and not getattr(waiver, f"{role}_override")
        and getattr(waiver, f"{role}_signed_by").lower() == actor.label.lower()
    ]


def create_waiver(
    *,
    actor: Actor,
    product: Product,
    criterion_id: str,
    reason: str,
    expires_at: datetime,
    risk: int | str | None = None,
    now: datetime | None = None,
) -> Waiver:
    """Propose a waiver of one criterion until ``expires_at`` (at most
    ``PRODOPS_WAIVER_MAX_DAYS`` ahead). Only the product's leads (or an admin, with a
    reason) may; a lead who creates a waiver signs it for their role. It counts once
    both lead roles are signed by two different people."""
    if not actor.reason.strip() and reason.strip():
        # The waiver's own reason is the reason of an admin's override.
        actor = actor.with_reason(reason.strip())
    decision = policy.require(actor, "waiver.propose", product)
    now = now or timezone.now()
    standard = get_standard(product.standard)
    if criterion_id not in standard.by_id:
        raise ReadinessError(
            f"{criterion_id!r} is not a criterion of standard {standard.slug!r}", field="criterion"
        )
    if not reason.strip():
        raise ReadinessError("a waiver needs a reason", field="reason")
    max_days = settings.PRODOPS_WAIVER_MAX_DAYS
    if expires_at <= now:
        raise ReadinessError("expires_at must be in the future", field="expires_at")
    if expires_at > now + timedelta(days=max_days):
        raise ReadinessError(f"a waiver lasts at most {max_days} days", field="expires_at")
    roles = set() if decision.override else lead_roles(actor=actor, product=product)
    linked = risk_of(product=product, ref=risk)
    waiver = Waiver(
        product=product,
        criterion=criterion_id,
        reason=reason.strip(),
        risk=linked,
        expires_at=expires_at,
        created_by=actor.label,
        created_at=now,
        created_by_user=actor_user(actor),
    )
    signed = _sign(waiver, actor=actor, roles=roles, override=False, now=now)
    waiver.save()
    record(
        actor=actor,
        action="waiver.create",
        obj=waiver,
        product=product,
        changes={
            "criterion": [None, criterion_id],
            "expires_at": [None, expires_at.isoformat()],
            "risk": [None, linked.ref if linked else None],
            "signed": [None, signed],
        },
        decision=decision,
    )
    _tell_waiver(actor=actor, waiver=waiver)
    if waiver.signed:
        notify_facts_changed([product.pk])
    return waiver


def _tell_waiver(*, actor: Actor, waiver: Waiver) -> None:
    """A waiver waiting for a lead's signature tells that lead; a fully signed one tells
    both."""
    product = waiver.product
    subject = {
        "waiver": waiver.pk,
        "criterion": waiver.criterion,
        "reason": waiver.reason,
        "expires_at": waiver.expires_at.date().isoformat(),
    }
    if waiver.signed:
        notify(event="waiver.signed", product=product, actor=actor, subject=subject)
        return
    missing = [
        getattr(product, role)
        for role in ("build_lead", "run_lead")
        if getattr(waiver, f"{role}_signed_at") is None
    ]
    notify(event="waiver.proposed", product=product, actor=actor, subject=subject, recipients=missing)


def sign_waiver(*, actor: Actor, waiver: Waiver, now: datetime | None = None) -> Waiver:
    """Sign for the lead role the actor holds. Signing again adds nothing; a person who
    holds both roles signs one, and a different person must sign the other. An admin who
    is not a lead signs every missing role as a recorded override (with a reason)."""
    now = now or timezone.now()
    product = waiver.product
    decision = policy.require(actor, "waiver.sign", product)
    if waiver.revoked_at is not None:
        raise ReadinessError("this waiver was revoked", field="waiver")
    if waiver.expires_at <= now:
        raise ReadinessError("this waiver has expired", field="waiver")
    if decision.override:
        roles = {"build_lead", "run_lead"}
    else:
        roles = lead_roles(actor=actor, product=product)
        if _signed_by(waiver, actor):
            if roles - set(_signed_by(waiver, actor)) and not waiver.signed:
                raise Refused(
                    "you have signed this waiver already; the other lead role must be signed "
                    "by a different person",
                    field="waiver",
                )
            return waiver  # signing twice adds nothing
    signed = _sign(waiver, actor=actor, roles=roles, override=decision.override, now=now)
    if not signed:
        return waiver
    waiver.save()
    record(
        actor=actor,
        action="waiver.override" if decision.override else "waiver.sign",
        obj=waiver,
        product=product,
        changes={"signed": [None, signed]},
        decision=decision,
    )
    if waiver.signed:
        _tell_waiver(actor=actor, waiver=waiver)
        notify_facts_changed([product.pk])
    return waiver


def revoke_waiver(*, actor: Actor, waiver: Waiver, now: datetime | None = None) -> Waiver:
    decision = policy.require(actor, "waiver.revoke", waiver.product)
    if waiver.revoked_at is None:
        waiver.revoked_at = now or timezone.now()
        waiver.revoked_by = actor.label
        waiver.save(update_fields=["revoked_at", "revoked_by"])
        record(actor=actor, action="waiver.revoke", obj=waiver, product=waiver.product, decision=decision)
        notify_facts_changed([waiver.product_id])
    return waiver


def expiring_waivers(*, within: timedelta, now: datetime | None = None) -> list[Waiver]:
    """Signed, unrevoked waivers that expire within ``within`` from now."""
    now = now or timezone.now()
    return list(
        Waiver.objects.filter(
            revoked_at__isnull=True,
            expires_at__gt=now,
            expires_at__lte=now + within,
        )
        .filter(signed_by_two())
        .select_related("product")
        .order_by("expires_at", "id")
    )


# --- re-evaluation off the request path ----------------------------------------------------


def request_reevaluation(*, product_ids: Sequence[int], now: datetime | None = None) -> list[int]:
    """Queue a re-evaluation of each product, coalesced: a product already waiting gets
    no second task. The pending rows and their tasks are written in one transaction
    (the caller's, or one of its own), so a row never exists without its task. Returns
    the products newly queued.

    ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (PostgreSQL, SQLite ≥ 3.35) says which
    rows this transaction inserted, so exactly one writer enqueues the task even when
    many change the same product at once (the others wait on the row, then conflict)."""
    from prodops.readiness.tasks import reevaluate  # noqa: PLC0415 - tasks.py imports this module

    ids = sorted({int(i) for i in product_ids})  # sorted: concurrent writers lock in one order
    if not ids:
        return []
    now = now or timezone.now()
    meta = PendingEvaluation._meta
    qn = connection.ops.quote_name
    at = meta.get_field("requested_at").get_db_prep_save(now, connection)
    queued: list[int] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for chunk in _chunks(ids, 500):
            sql = (
                f"INSERT INTO {qn(meta.db_table)} ({qn('product_id')}, {qn('requested_at')}) VALUES "
                + ", ".join(["(%s, %s)"] * len(chunk))
                + f" ON CONFLICT ({qn('product_id')}) DO NOTHING RETURNING {qn('product_id')}"
            )
            cursor.execute(sql, [v for pid in chunk for v in (pid, at)])
            queued.extend(row[0] for row in cursor.fetchall())
        for pid in queued:
            enqueue_on_commit(reevaluate, pid)
    return queued


def requeue_stale_reevaluations(*, older_than: timedelta, now: datetime | None = None) -> int:
    """A safety net: queue the task again for pending rows older than ``older_than``
    (their task failed, or was lost with a backend that enqueues after commit). A
    duplicate task finds no row and does nothing."""
    from prodops.readiness.tasks import reevaluate  # noqa: PLC0415 - tasks.py imports this module

    now = now or timezone.now()
    old = PendingEvaluation.objects.filter(requested_at__lt=now - older_than)
    stale = set(old.values_list("product_id", flat=True))
    if not stale:
        return 0
    waiting = DBTaskResult.objects.filter(task_path=reevaluate.module_path, status__in=["READY", "RUNNING"])
    stale -= {args["args"][0] for args in waiting.values_list("args_kwargs", flat=True) if args.get("args")}
    with transaction.atomic():
        for pid in stale:
            enqueue_on_commit(reevaluate, pid)
    return len(stale)


def reevaluate_pending(*, product_id: int, now: datetime | None = None) -> bool:
    """The re-evaluation task's body: take the product's pending row and evaluate it, in
    one transaction. A change committed after the row is taken queues a new row and
    task, so no change is ever left unevaluated. False: nothing was pending (a
    duplicate task), nothing done."""
    meta = PendingEvaluation._meta
    qn = connection.ops.quote_name
    with transaction.atomic():
        # The SQL written out: the ORM's delete() first builds a deletion collector.
        with connection.cursor() as cursor:
            sql = f"DELETE FROM {qn(meta.db_table)} WHERE {qn('product_id')} = %s"
            cursor.execute(sql, [int(product_id)])
            taken = cursor.rowcount
        if not taken:
            return False
        evaluate_products(product_ids=[product_id], now=now)
    return True


def reevaluating(product_ids: Sequence[int]) -> set[int]:
    """The products among these whose re-evaluation is queued (pages say so)."""
    pending = PendingEvaluation.objects.filter(product_id__in=list(product_ids))
    return set(pending.values_list("product_id", flat=True))


# --- expiries and the warnings before them -------------------------------------------------

WAIVER_WARNINGS = (1, 7, 14)  # days before expiry, smallest first
ATTESTATION_NOTICE = timedelta(days=7)


def reevaluate_expired(*, since: datetime, now: datetime | None = None) -> list[int]:
    """Queue re-evaluation of products whose signed waivers or attestations expired in
    (since, now], and tell both leads of each expired waiver (once)."""
    now = now or timezone.now()
    with transaction.atomic():
        expired = list(
            Waiver.objects.filter(
                revoked_at__isnull=True,
                expires_at__gt=since,
                expires_at__lte=now,
                build_lead_signed_at__isnull=False,
                run_lead_signed_at__isnull=False,
            ).select_related("product__build_lead", "product__run_lead")
        )
        attested = set(
            Attestation.objects.filter(expires_at__gt=since, expires_at__lte=now).values_list(
                "product_id", flat=True
            )
        )
        actor = Actor.task("readiness.expiries")
        for waiver in expired:
            notify(
                event="waiver.expired",
                product=waiver.product,
                actor=actor,
                subject=_waiver_subject(waiver),
                key=f"waiver:{waiver.pk}:expired",
                now=now,
            )
        return request_reevaluation(product_ids=[w.product_id for w in expired] + sorted(attested), now=now)


def _waiver_subject(waiver: Waiver) -> dict[str, Any]:
    return {
        "waiver": waiver.pk,
        "criterion": waiver.criterion,
        "reason": waiver.reason,
        "expires_at": waiver.expires_at.date().isoformat(),
    }


def warn_expiring_waivers(*, now: datetime | None = None) -> int:
    """``waiver.expiring`` to both leads at 14, 7 and 1 days before expiry: once per
    waiver and threshold (the notification key), however often this runs."""
    now = now or timezone.now()
    sent = 0
    actor = Actor.task("readiness.waiver-warnings")
    with transaction.atomic():
        for waiver in expiring_waivers(within=timedelta(days=max(WAIVER_WARNINGS)), now=now):
            left = waiver.expires_at - now
            threshold = next(d for d in WAIVER_WARNINGS if left <= timedelta(days=d))
            days = max(1, math.ceil(left / timedelta(days=1)))
            made = notify(
                event="waiver.expiring",
                product=waiver.product,
                actor=actor,
                subject={**_waiver_subject(waiver), "days": days},
                key=f"waiver:{waiver.pk}:{threshold}d",
                now=now,
            )
            sent += made is not None
    return sent


def attesters(product: Product, role: str) -> list[Any]:
    """The people who hold an attestation role on a product."""
    if role in {"build_lead", "run_lead"}:
        return [getattr(product, role)]
    if role in {"build_team", "run_team"}:
        return team_members(product, role=role)
    return list(Person.objects.filter(teams__slug=role.removeprefix("team:")))


def warn_attestations_due(*, now: datetime | None = None) -> int:
    """``attestation.due`` to the attesting role when the latest attestation of a
    criterion expires within a week (or has expired): once per attestation."""
    now = now or timezone.now()
    sent = 0
    latest: dict[tuple[int, str], Attestation] = {}
    candidates = Attestation.objects.filter(expires_at__lte=now + ATTESTATION_NOTICE).select_related(
        "product__build_lead", "product__run_lead"
    )
    for att in candidates.order_by("attested_at"):
        latest[(att.product_id, att.criterion)] = att
    newer = set(
        Attestation.objects.filter(
            product_id__in={k[0] for k in latest}, expires_at__gt=now + ATTESTATION_NOTICE
        ).values_list("product_id", "criterion")
    )
    actor = Actor.task("readiness.attestations-due")
    with transaction.atomic():
        for (pid, criterion), att in latest.items():
            if (pid, criterion) in newer or att.expires_at is None:
                continue
            made = notify(
                event="attestation.due",
                product=att.product,
                actor=actor,
                subject={
                    "criterion": criterion,
                    "role": att.role,
                    "due_at": att.expires_at.date().isoformat(),
                },
                recipients=attesters(att.product, att.role),
                key=f"attestation:{att.pk}:due",
                now=now,
            )
            sent += made is not None
    return sent
