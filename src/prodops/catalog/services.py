"""Business logic of the catalog: every write to people, teams and products goes
through here, with an audit record, a version bump for products, and a facts-changed
notification. Callers (API, CLI, config as code) own the transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from django.db.models import ProtectedError
from django.utils import timezone
from pydantic import ValidationError

from prodops.accounts import policy
from prodops.audit.services import diff, record
from prodops.catalog.models import DEFAULT_STAGES, SLO, Person, Product, Stakeholder, Team
from prodops.catalog.schemas import (
    OncallSpec,
    Owners,
    ProductSpec,
    SLOSpec,
    StakeholderSpec,
    Teams,
    TeamSpec,
    WarrantySpec,
    plain,
)
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, Refused, StaleVersion
from prodops.core.signals import notify_facts_changed, send_on_commit, team_members_added

Outcome = Literal["created", "updated", "unchanged"]


class CatalogError(InvalidInput):
    """Bad input for a catalog write. ``field`` is the path inside the product/team spec."""


__all__ = ["CatalogError", "StaleVersion"]  # StaleVersion is core's, re-exported for callers


# The readiness app may let a standard define its own stages; until one says otherwise,
# every standard uses the default lifecycle.
_stages_provider: Callable[[str], Sequence[str] | None] | None = None


def set_stages_provider(provider: Callable[[str], Sequence[str] | None]) -> None:
    """Register ``provider(standard_slug) -> stages or None`` (None: the default stages)."""
    global _stages_provider  # noqa: PLW0603 - a single registration hook, set in AppConfig.ready
    _stages_provider = provider


def allowed_stages(standard: str) -> Sequence[str]:
    stages = _stages_provider(standard) if _stages_provider is not None else None
    return stages or DEFAULT_STAGES


def products_tagged(tag: str) -> list[int]:
    """Ids of the products carrying ``tag``. Tags are a JSON list; the containment
    lookup is PostgreSQL-only, so the portable way reads the (small) tag lists."""
    tag = tag.strip()
    rows = Product.objects.values_list("pk", "tags")
    return [pk for pk, tags in rows if isinstance(tags, list) and tag in tags]


# ---------------------------------------------------------------- people


def upsert_person(*, actor: Actor, email: str, name: str) -> tuple[Person, Outcome]:
    policy.require(actor, "person.manage")
    email = email.strip().lower()
    person = Person.objects.filter(email=email).first()
    if person is None:
        person = Person.objects.create(email=email, name=name)
        record(actor=actor, action="person.created", obj=person, changes={"name": [None, name]})
        return person, "created"
    if person.name == name:
        return person, "unchanged"
    changes = {"name": [person.name, name]}
    person.name = name
    person.save(update_fields=["name", "updated_at"])
    record(actor=actor, action="person.updated", obj=person, changes=changes)
    return person, "updated"


def delete_person(*, actor: Actor, person: Person) -> None:
    policy.require(actor, "person.manage", person)
    try:
        record(actor=actor, action="person.deleted", obj=person)
        person.delete()
    except ProtectedError:
        raise Refused(
            f"{person.email} still leads a product or is a stakeholder; reassign those first."
        ) from None


def person_by_email(email: str, *, field: str) -> Person:
    person = Person.objects.filter(email=email.strip().lower()).first()
    if person is None:
        raise CatalogError(f"no person with email {email!r}; add a Person document for them", field=field)
    return person


# ---------------------------------------------------------------- teams


def team_spec(team: Team) -> TeamSpec:
    return TeamSpec(
        kind=team.kind,  # type: ignore[arg-type]
        capacity_hours_per_week=team.capacity_hours_per_week,
        members=sorted(m.email for m in team.members.all()),
    )


def upsert_team(*, actor: Actor, slug: str, name: str, spec: TeamSpec) -> tuple[Team, Outcome]:
    policy.require(actor, "team.manage")
    members = [person_by_email(email, field=f"members.{i}") for i, email in enumerate(spec.members)]
    team = Team.objects.filter(slug=slug).first()
    wanted = {
        "name": name,
        "kind": spec.kind,
        "capacity_hours_per_week": float(spec.capacity_hours_per_week),
        "members": sorted({m.email for m in members}),
    }
    if team is None:
        team = Team.objects.create(
            slug=slug, name=name, kind=spec.kind, capacity_hours_per_week=spec.capacity_hours_per_week
        )
        team.members.set(members)
        record(actor=actor, action="team.created", obj=team, changes=diff({}, wanted))
        return team, "created"
    current = {
        "name": team.name,
        "kind": team.kind,
        "capacity_hours_per_week": float(team.capacity_hours_per_week),
        "members": sorted(m.email for m in team.members.all()),
    }
    changes = diff(current, wanted)
    if not changes:
        return team, "unchanged"
    team.name, team.kind = name, spec.kind
    team.capacity_hours_per_week = spec.capacity_hours_per_week
    team.save()
    before_ids = set(team.members.values_list("pk", flat=True))
    team.members.set(members)
    record(actor=actor, action="team.updated", obj=team, changes=changes)
    _members_added(team, {m.pk for m in members} - before_ids)
    return team, "updated"


def _members_added(team: Team, person_ids: set[int]) -> None:
    # A team's first members found it; only people added later are "joining" it.
    if person_ids:
        send_on_commit(team_members_added, team_id=team.pk, person_ids=sorted(person_ids))


def delete_team(*, actor: Actor, team: Team) -> None:
    policy.require(actor, "team.manage", team)
    if team.built_products.exists() or team.run_products.exists():
        raise Refused(f"team {team.slug} still builds or runs a product; reassign those first.")
    record(actor=actor, action="team.deleted", obj=team)
    team.delete()


def team_by_slug(slug: str | None, *, field: str) -> Team | None:
    if slug is None:
        return None
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise CatalogError(f"no team with slug {slug!r}; add a Team document for it", field=field)
    return team


# ---------------------------------------------------------------- products


def _json_model(model: Any, data: dict[str, Any]) -> Any:
    """A stored JSON policy as its model; None when empty or not valid any more."""
    if not data:
        return None
    try:
        return model.model_validate(data)
    except ValueError:
        return None


def product_spec(product: Product) -> ProductSpec:
    """The product as it stands, in the shape of the config-as-code spec."""
    return ProductSpec.model_construct(
        description=product.description,
        tier=product.tier,
        stage=product.stage,
        standard=product.standard,
        tags=list(product.tags),
        links=dict(sorted(product.links.items())),
        owners=Owners.model_construct(build_lead=product.build_lead.email, run_lead=product.run_lead.email),
        teams=Teams.model_construct(
            build=product.build_team.slug if product.build_team else None,
            run=product.run_team.slug if product.run_team else None,
        ),
        stakeholders=[
            StakeholderSpec.model_construct(function=s.function, person=s.person.email)
            for s in sorted(product.stakeholders.all(), key=lambda s: (s.function, s.person.email))
        ],
        slos=[
            SLOSpec.model_construct(
                name=s.name, objective=plain(s.objective), window=s.window, description=s.description
            )
            for s in sorted(product.slos.all(), key=lambda s: s.name)
        ],
        oncall=_json_model(OncallSpec, product.oncall),
        warranty=_json_model(WarrantySpec, product.warranty),
        go_live=product.go_live,
        integrations=dict(sorted(product.integrations.items())),
        facts=dict(sorted(product.facts.items())),
    )


def _normalised(spec: ProductSpec) -> dict[str, Any]:
    """Comparable plain data: lists whose order carries no meaning are sorted."""
    data = spec.model_dump(mode="json")
    data["stakeholders"] = sorted(data["stakeholders"], key=lambda s: (s["function"], s["person"]))
    data["slos"] = sorted(data["slos"], key=lambda s: s["name"])
    for key in ("links", "integrations", "facts"):
        data[key] = dict(sorted(data[key].items()))
    return data


def _check(spec: ProductSpec) -> None:
    stages = allowed_stages(spec.standard)
    if spec.stage not in stages:
        raise CatalogError(
            f"unknown stage {spec.stage!r}; standard {spec.standard!r} has stages {', '.join(stages)}",
            field="stage",
        )
    if spec.owners.build_lead.strip().lower() == spec.owners.run_lead.strip().lower():
        # Two different people sign every gate: one person as both leads would stand
        # for both signatures (and could waive the very criterion that checks it).
        raise CatalogError(
            f"owners.build_lead and owners.run_lead must be two different people; "
            f"both are {spec.owners.build_lead}",
            field="owners.run_lead",
        )
    names = [s.name for s in spec.slos]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise CatalogError(f"SLO {name!r} appears twice", field=f"slos.{i}.name")
    pairs = [(s.function, s.person) for s in spec.stakeholders]
    for i, pair in enumerate(pairs):
        if pair in pairs[:i]:
            raise CatalogError(f"stakeholder {pair[1]} ({pair[0]}) appears twice", field=f"stakeholders.{i}")


def save_product(
    *,
    actor: Actor,
    slug: str,
    name: str,
    spec: ProductSpec,
    expected_version: int | None = None,
) -> tuple[Product, Outcome]:
    """Create the product ``slug`` or update it to match ``spec`` exactly.

    With ``expected_version``, refuse (StaleVersion) when the product is at another
    version: the caller edited a copy that someone else has changed since."""
    existing = Product.objects.select_related("build_lead", "run_lead").filter(slug=slug).first()
    decision = _authorize(actor, existing, spec)
    _check(spec)
    build_lead = person_by_email(spec.owners.build_lead, field="owners.build_lead")
    run_lead = person_by_email(spec.owners.run_lead, field="owners.run_lead")
    build_team = team_by_slug(spec.teams.build, field="teams.build")
    run_team = team_by_slug(spec.teams.run, field="teams.run")
    stake_people = [
        person_by_email(s.person, field=f"stakeholders.{i}.person") for i, s in enumerate(spec.stakeholders)
    ]
    if spec.oncall and spec.oncall.team:
        team_by_slug(spec.oncall.team, field="oncall.team")

    product = (
        Product.objects.select_related("build_lead", "run_lead", "build_team", "run_team")
        .filter(slug=slug)
        .first()
    )
    if product is not None and expected_version is not None and product.version != expected_version:
        raise StaleVersion(expected=expected_version, current=product.version, what="product")
    if product is not None and spec.stage != product.stage:
        # A schedule (or a config file) must not force a gate open: an existing product
        # moves stage only through a transition, which checks the gate at execution time
        # and needs both leads' approval (lifecycle app).
        raise CatalogError(
            f"the stage of an existing product changes only through a transition "
            f"(the product page, or POST /api/v1/products/{slug}/transitions), which checks "
            f"the gate and needs both leads' approval; it is {product.stage!r}, not {spec.stage!r}",
            field="stage",
        )
    created = product is None
    if product is None:
        before: dict[str, Any] = {}
        product = Product(slug=slug)
    else:
        before = {"name": product.name, **_normalised(product_spec(product))}
    after = {"name": name, **_normalised(spec)}
    changes = diff(before, after)
    if not changes:
        return product, "unchanged"

    product.name = name
    product.description = spec.description
    product.tier = spec.tier
    product.stage = spec.stage
    product.standard = spec.standard
    product.tags = list(spec.tags)
    product.links = dict(sorted(spec.links.items()))
    product.build_lead, product.run_lead = build_lead, run_lead
    product.build_team, product.run_team = build_team, run_team
    product.oncall = spec.oncall.model_dump(mode="json") if spec.oncall else {}
    product.warranty = spec.warranty.model_dump(mode="json") if spec.warranty else {}
    product.go_live = spec.go_live
    product.integrations = dict(sorted(spec.integrations.items()))
    product.facts = dict(sorted(spec.facts.items()))
    if created:
        product.save()
    else:
        _compare_and_set(product, expected_version if expected_version is not None else product.version)

    if created or "stakeholders" in changes:
        product.stakeholders.all().delete()
        Stakeholder.objects.bulk_create(
            Stakeholder(product=product, person=person, function=s.function)
            for s, person in zip(spec.stakeholders, stake_people, strict=True)
        )
    if created or "slos" in changes:
        product.slos.all().delete()
        SLO.objects.bulk_create(
            SLO(
                product=product,
                name=s.name,
                objective=s.objective,
                window=s.window,
                description=s.description,
            )
            for s in spec.slos
        )
    if created and spec.stage != allowed_stages(spec.standard)[0]:
        changes["adopted"] = [None, f"adopted at stage {spec.stage}"]
    record(
        actor=actor,
        action="product.created" if created else "product.updated",
        obj=product,
        product=product,
        changes=changes,
        decision=decision,
    )
    notify_facts_changed([product.pk])
    return product, "created" if created else "updated"


def _compare_and_set(product: Product, expected: int) -> None:
    """Write the product's fields with one ``UPDATE … WHERE id = … AND version = expected``
    that also bumps the version; no row updated means someone else wrote first (checking
    the version and then saving would let two writers both pass the check). On PostgreSQL
    the second UPDATE waits for the first to commit and then finds the version moved on;
    on SQLite IMMEDIATE transactions serialise the writers. The caller's transaction then
    rolls back whatever it wrote before, so a stale edit changes nothing."""
    product.updated_at = timezone.now()
    values = {
        f.attname: getattr(product, f.attname)
        for f in Product._meta.concrete_fields
        if not f.primary_key and f.attname not in {"version", "created_at"}
    }
    written = Product.objects.filter(pk=product.pk, version=expected).update(**values, version=expected + 1)
    if written != 1:
        current = Product.objects.filter(pk=product.pk).values_list("version", flat=True).first()
        raise StaleVersion(expected=expected, current=current, what="product")
    product.version = expected + 1


def _authorize(actor: Actor, existing: Product | None, spec: ProductSpec) -> policy.Decision:
    """Who may write this product: anyone who creates may register one in the first
    stage; a later stage is an adoption (product operations); an edit is for its leads
    and product operations, and changing a lead is for product operations only."""
    if existing is None:
        first = allowed_stages(spec.standard)[0]
        return policy.require(actor, "product.create" if spec.stage == first else "product.adopt")
    decision = policy.require(actor, "product.edit", existing)
    owners = (existing.build_lead.email.lower(), existing.run_lead.email.lower())
    wanted = (spec.owners.build_lead.strip().lower(), spec.owners.run_lead.strip().lower())
    if owners != wanted:
        decision = policy.require(actor, "product.reassign", existing)
    return decision


def update_product(
    *, actor: Actor, product: Product, changes: dict[str, Any], expected_version: int | None = None
) -> tuple[Product, Outcome]:
    """Change some fields (``name`` and spec fields); the rest stays as it is."""
    changes = dict(changes)
    name = changes.pop("name", None) or product.name
    current = product_spec(product).model_dump(mode="json")
    current.update(changes)
    try:
        spec = ProductSpec.model_validate(current)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CatalogError(first["msg"], field=".".join(str(p) for p in first["loc"])) from None
    return save_product(
        actor=actor, slug=product.slug, name=name, spec=spec, expected_version=expected_version
    )


def delete_product(*, actor: Actor, product: Product, expected_version: int | None = None) -> None:
    policy.require(actor, "product.delete", product)
    if expected_version is not None:
        # Lock the row at the version the caller saw: a concurrent edit either committed
        # before (no row: stale) or waits until this delete is done.
        locked = Product.objects.select_for_update().filter(pk=product.pk, version=expected_version)
        if not list(locked.values_list("pk", flat=True)):
            current = Product.objects.filter(pk=product.pk).values_list("version", flat=True).first()
            raise StaleVersion(expected=expected_version, current=current, what="product")
    try:
        record(actor=actor, action="product.deleted", obj=product, changes={"slug": [product.slug, None]})
        product.delete()
    except ProtectedError as exc:
        raise Refused(f"product {product.slug} is still referenced: {exc.args[0]}") from None
