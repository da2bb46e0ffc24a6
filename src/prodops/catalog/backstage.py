"""Map Backstage catalog entities (``catalog-info.yaml``) onto ProdOps documents.

Plain Python, no Django: entities in, ``prodops/v1`` documents and a report out. The
Backstage descriptor format (backstage.io/docs/features/software-catalog/descriptor-format):
every entity has ``apiVersion: backstage.io/v1alpha1`` (or ``v1beta1``), ``kind``,
``metadata`` (name, title, description, tags, links, annotations) and ``spec``.

* **User** → Person (``spec.profile.email`` is the key; ``displayName`` the name).
* **Group** of ``spec.type: team`` → Team. Members: ``spec.members`` plus users whose
  ``spec.memberOf`` names the group. Kind: build, unless the annotation
  ``prodops.io/team-kind`` says run or business.
* **Component** → Product. ``spec.lifecycle`` experimental → build, production →
  operate, deprecated → retire. ``spec.owner`` (a group) becomes the build team, or
  (a user) the build lead. Backstage has one owner, ProdOps two leads: the run lead
  comes from the annotation ``prodops.io/run-lead`` (or a default given to the
  importer); a component with no run lead is reported, not imported.
* **System** → a ``system:<name>`` tag on its components.

Everything else (API, Resource, Domain, Location, Template, other group types) is
reported as not mapped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

# libyaml's parser, when PyYAML was built with it, is several times faster; both keep marks.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

API_VERSIONS = {"backstage.io/v1alpha1", "backstage.io/v1beta1"}
LIFECYCLE_STAGES = {"experimental": "build", "production": "operate", "deprecated": "retire"}
TEAM_GROUP_TYPES = {"team", "squad"}
TEAM_KINDS = {"build", "run", "business"}
ANNOTATION = "prodops.io/"
SLUG = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class Note:
    """Something of the input that was not (fully) mapped, and why."""

    source: str
    document: int
    entity: str  # e.g. "component:default/payments-api"
    message: str

    def __str__(self) -> str:
        return f"{self.source}: document {self.document}: {self.entity}: {self.message}"


@dataclass(frozen=True)
class Origin:
    source: str
    document: int
    line: int


@dataclass
class Mapping:
    documents: list[dict[str, Any]] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)  # where each document came from
    skipped: list[Note] = field(default_factory=list)  # entities not imported at all
    partial: list[Note] = field(default_factory=list)  # entities imported without some field


@dataclass
class _Entity:
    kind: str
    name: str
    namespace: str
    data: dict[str, Any]
    origin: Origin

    @property
    def ref(self) -> str:
        return f"{self.kind.lower()}:{self.namespace}/{self.name}"

    @property
    def metadata(self) -> dict[str, Any]:
        value = self.data.get("metadata")
        return value if isinstance(value, dict) else {}

    @property
    def spec(self) -> dict[str, Any]:
        value = self.data.get("spec")
        return value if isinstance(value, dict) else {}

    def annotation(self, key: str) -> str | None:
        annotations = self.metadata.get("annotations")
        if isinstance(annotations, dict) and annotations.get(ANNOTATION + key) is not None:
            return str(annotations[ANNOTATION + key]).strip()
        return None


class BackstageSyntaxError(Exception):
    def __init__(self, source: str, document: int, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: document {document}: {message}")


def parse_ref(ref: str, default_kind: str, default_namespace: str = "default") -> tuple[str, str, str]:
    """``[kind:][namespace/]name`` → (kind, namespace, name), kind lower-case."""
    kind, _, rest = ref.rpartition(":") if ":" in ref else ("", "", ref)
    namespace, _, name = rest.rpartition("/") if "/" in rest else ("", "", rest)
    return (kind or default_kind).lower(), namespace or default_namespace, name


def to_slug(name: str) -> str | None:
    """Backstage names allow upper case, ``_`` and ``.``; ProdOps slugs do not."""
    slug = re.sub(r"[_.]+", "-", name.strip().lower()).strip("-")
    return slug if SLUG.match(slug) else None


def read_entities(sources: list[tuple[str, str]]) -> tuple[list[_Entity], list[Note]]:
    entities: list[_Entity] = []
    notes: list[Note] = []
    for source, text in sources:
        loader = _Loader(text)
        number = 0
        try:
            while loader.check_node():
                number += 1
                node = loader.get_node()
                if node is None:
                    continue
                data = loader.construct_document(node)
                if data is None:
                    continue
                origin = Origin(source, number, node.start_mark.line + 1)
                entity = _entity(data, origin, notes)
                if entity is not None:
                    entities.append(entity)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            raise BackstageSyntaxError(
                source, max(number, 1), line, f"YAML syntax error: {exc.problem}"
            ) from None
        finally:
            loader.dispose()
    return entities, notes


def _entity(data: Any, origin: Origin, notes: list[Note]) -> _Entity | None:
    def skip(what: str, message: str) -> None:
        notes.append(Note(origin.source, origin.document, what, message))

    if not isinstance(data, dict):
        skip("(document)", "not a mapping; not a Backstage entity")
        return None
    kind = str(data.get("kind") or "")
    metadata = _mapping(data.get("metadata"))
    name = str(metadata.get("name") or "")
    if data.get("apiVersion") not in API_VERSIONS:
        skip(
            f"{kind or '(no kind)'} {name}".strip(),
            f"apiVersion {data.get('apiVersion')!r} is not Backstage's",
        )
        return None
    if not kind or not name:
        skip(f"{kind or '(no kind)'} {name}".strip(), "an entity needs kind and metadata.name")
        return None
    namespace = str(metadata.get("namespace") or "default")
    return _Entity(kind=kind, name=name, namespace=namespace, data=data, origin=origin)


def map_entities(
    entities: list[_Entity],
    *,
    existing_people: dict[str, str] | None = None,
    existing_teams: dict[str, dict[str, Any]] | None = None,
    existing_products: dict[str, dict[str, Any]] | None = None,
    default_build_lead: str | None = None,
    default_run_lead: str | None = None,
) -> Mapping:
    """ProdOps documents for ``entities``.

    The ``existing_*`` arguments describe what ProdOps holds already (email → name,
    slug → spec): what Backstage does not say (a person's name, a team's kind and
    capacity, a product's stage, SLOs and policies) is kept, not reset."""
    existing_people = existing_people or {}
    existing_teams = existing_teams or {}
    existing_products = existing_products or {}
    out = Mapping()

    def note(entity: _Entity, message: str, *, skipped: bool) -> None:
        target = out.skipped if skipped else out.partial
        target.append(Note(entity.origin.source, entity.origin.document, entity.ref, message))

    by_kind: dict[str, list[_Entity]] = {}
    for entity in entities:
        by_kind.setdefault(entity.kind, []).append(entity)

    # Users → people, and the email of every user ref.
    user_emails: dict[str, str] = {}
    for user in by_kind.get("User", []):
        profile = _mapping(user.spec.get("profile"))
        email = str(profile.get("email") or "").strip().lower()
        if not EMAIL.match(email):
            note(user, "no spec.profile.email; ProdOps identifies people by email", skipped=True)
            continue
        user_emails[user.ref] = email
        metadata: dict[str, Any] = {"email": email}
        display = profile.get("displayName") or user.metadata.get("title") or existing_people.get(email)
        if display:
            metadata["name"] = str(display)
        out.documents.append({"apiVersion": "prodops/v1", "kind": "Person", "metadata": metadata})
        out.origins.append(user.origin)
    people = set(existing_people) | set(user_emails.values())

    def email_of(ref: str) -> str | None:
        return user_emails.get("{}:{}/{}".format(*parse_ref(ref, "user")))

    # Groups of type team → teams.
    members_of: dict[str, set[str]] = {}
    for user in by_kind.get("User", []):
        for group_ref in user.spec.get("memberOf") or []:
            if user.ref in user_emails:
                members_of.setdefault("{}:{}/{}".format(*parse_ref(str(group_ref), "group")), set()).add(
                    user_emails[user.ref]
                )
    team_slugs: dict[str, str] = {}
    for group in by_kind.get("Group", []):
        group_type = str(group.spec.get("type") or "")
        slug = to_slug(group.name)
        current = existing_teams.get(slug or "", {})
        team_kind = group.annotation("team-kind") or current.get("kind") or "build"
        if group_type not in TEAM_GROUP_TYPES and group.annotation("team-kind") is None:
            note(
                group,
                f"group type {group_type!r} is not a team (annotate {ANNOTATION}team-kind to import it)",
                skipped=True,
            )
            continue
        if slug is None or team_kind not in TEAM_KINDS:
            reason = (
                f"name {group.name!r} cannot be a slug"
                if slug is None
                else (
                    f"{ANNOTATION}team-kind must be one of {', '.join(sorted(TEAM_KINDS))}, not {team_kind!r}"
                )
            )
            note(group, reason, skipped=True)
            continue
        team_slugs[group.ref] = slug
        members = set(members_of.get(group.ref, set()))
        for member in group.spec.get("members") or []:
            member_email = email_of(str(member))
            if member_email is None:
                note(group, f"member {member!r} has no User entity with an email; left out", skipped=False)
            else:
                members.add(member_email)
        profile = _mapping(group.spec.get("profile"))
        spec: dict[str, Any] = {"kind": team_kind, "members": sorted(members)}
        if "capacity_hours_per_week" in current:
            spec["capacity_hours_per_week"] = current["capacity_hours_per_week"]
        capacity = group.annotation("capacity-hours-per-week")
        if capacity is not None:
            try:
                spec["capacity_hours_per_week"] = float(capacity)
            except ValueError:
                note(
                    group, f"{ANNOTATION}capacity-hours-per-week {capacity!r} is not a number", skipped=False
                )
        name = profile.get("displayName") or group.metadata.get("title") or group.name
        out.documents.append(
            {
                "apiVersion": "prodops/v1",
                "kind": "Team",
                "metadata": {"slug": slug, "name": str(name)},
                "spec": spec,
            }
        )
        out.origins.append(group.origin)
    teams = set(existing_teams) | set(team_slugs.values())

    def team_of(ref: str) -> str | None:
        kind, namespace, name = parse_ref(ref, "group")
        full = f"{kind}:{namespace}/{name}"
        if full in team_slugs:
            return team_slugs[full]
        slug = to_slug(name)
        return slug if kind == "group" and slug in teams else None

    # Systems → tags on their components.
    system_names = {f"system:{s.namespace}/{s.name}": s.name for s in by_kind.get("System", [])}

    for component in by_kind.get("Component", []):
        slug = to_slug(component.name)
        if slug is None:
            note(component, f"name {component.name!r} cannot be a slug", skipped=True)
            continue
        existing = existing_products.get(slug)
        spec = dict(existing) if existing else {}
        meta = component.metadata
        spec["description"] = str(meta.get("description") or spec.get("description") or "").strip()
        tags = [str(t) for t in meta.get("tags") or []]
        system = component.spec.get("system")
        if system:
            ref = "{}:{}/{}".format(*parse_ref(str(system), "system"))
            tags.append(f"system:{system_names.get(ref, parse_ref(str(system), 'system')[2])}")
        spec["tags"] = sorted(set(spec.get("tags", [])) | set(tags))
        links = dict(spec.get("links", {}))
        warnings: list[str] = []
        links.update(_links(component, warnings))
        for warning in warnings:
            note(component, warning, skipped=False)
        spec["links"] = links

        if existing is None:
            lifecycle = str(component.spec.get("lifecycle") or "")
            stage = LIFECYCLE_STAGES.get(lifecycle)
            if stage is None:
                stage = "plan"
                note(component, f"lifecycle {lifecycle!r} has no stage; set to plan", skipped=False)
            spec["stage"] = stage
        tier = component.annotation("tier")
        if tier is not None:
            if tier in {"1", "2", "3", "4"}:
                spec["tier"] = int(tier)
            else:
                note(component, f"{ANNOTATION}tier {tier!r} is not 1-4; ignored", skipped=False)

        owners = dict(spec.get("owners", {}))
        team_refs = dict(spec.get("teams", {}))
        owner = str(component.spec.get("owner") or "")
        if owner:
            kind = parse_ref(owner, "group")[0]
            if kind == "user":
                owner_email = email_of(owner)
                if owner_email:
                    owners.setdefault("build_lead", owner_email)
                else:
                    note(component, f"owner {owner!r} has no User entity with an email", skipped=False)
            else:
                team = team_of(owner)
                if team:
                    team_refs["build"] = team
                else:
                    note(component, f"owner {owner!r} is not an imported team; no build team", skipped=False)
        run_team = component.annotation("run-team")
        if run_team:
            team = team_of(run_team)
            if team:
                team_refs["run"] = team
            else:
                note(component, f"{ANNOTATION}run-team {run_team!r} is not a known team", skipped=False)
        for role, default in (("build_lead", default_build_lead), ("run_lead", default_run_lead)):
            given = component.annotation(role.replace("_", "-"))
            if given:
                owners[role] = given.lower()
            elif default and role not in owners:
                owners[role] = default.lower()
        missing = [r for r in ("build_lead", "run_lead") if not owners.get(r)]
        if missing:
            note(
                component,
                f"no {' and no '.join(m.replace('_', ' ') for m in missing)}: annotate "
                f"{', '.join(ANNOTATION + m.replace('_', '-') for m in missing)} "
                "or give a default; not imported",
                skipped=True,
            )
            continue
        unknown = [e for e in owners.values() if e not in people]
        if unknown:
            note(
                component,
                f"lead {', '.join(sorted(set(unknown)))} is not a known person; not imported",
                skipped=True,
            )
            continue
        spec["owners"] = owners
        spec["teams"] = {k: v for k, v in team_refs.items() if v}
        name = meta.get("title") or component.name
        out.documents.append(
            {
                "apiVersion": "prodops/v1",
                "kind": "Product",
                "metadata": {"slug": slug, "name": str(name)},
                "spec": spec,
            }
        )
        out.origins.append(component.origin)

    for kind, items in sorted(by_kind.items()):
        if kind not in {"User", "Group", "Component", "System"}:
            for entity in items:
                note(entity, f"kind {kind} has no counterpart in ProdOps", skipped=True)
    return out


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _links(component: _Entity, warnings: list[str]) -> dict[str, str]:
    links: dict[str, str] = {}
    annotations = component.metadata.get("annotations")
    annotations = annotations if isinstance(annotations, dict) else {}
    project = annotations.get("github.com/project-slug")
    if project:
        links["repo"] = f"https://github.com/{project}"
    source = str(annotations.get("backstage.io/source-location") or "")
    if source.startswith("url:") and "repo" not in links:
        url = source.removeprefix("url:")
        if URL.match(url):
            links["repo"] = url
    for index, link in enumerate(component.metadata.get("links") or []):
        if not isinstance(link, dict) or not URL.match(str(link.get("url") or "")):
            warnings.append(f"metadata.links[{index}] has no http(s) url; left out")
            continue
        key = to_slug(str(link.get("type") or link.get("title") or "")) or f"link-{index + 1}"
        links[key] = str(link["url"])
    return links
