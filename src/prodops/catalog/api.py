"""REST API for products, teams and people (``/api/v1/products`` ...).

Concurrent edits: every product answer carries its ``version`` and an ``ETag``; an
update or delete must name the version it edited (``If-Match`` or a ``version``
field). A stale one gets 412 (If-Match) or 409 (``version``); one naming neither gets
428, so an edit can never silently overwrite someone else's.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from prodops.accounts import policy
from prodops.accounts.auth import api_actor
from prodops.catalog import services
from prodops.catalog.models import Person, Product, Team
from prodops.catalog.schemas import (
    PersonCreate,
    PersonOut,
    PersonPatch,
    ProductCreate,
    ProductOut,
    ProductPatch,
    ProductReplace,
    ProductSpec,
    TeamCreate,
    TeamOut,
    TeamPatch,
    TeamSpec,
)
from prodops.core import validation
from prodops.core.actors import Actor
from prodops.core.errors import NotFound, Refused, StaleVersion

router = Router(tags=["catalog"])

MAX_LIMIT = 500
MAX_INT = validation.MAX_INT  # a larger offset overflows the database's LIMIT/OFFSET


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT}.")
    offset: int = Field(0, ge=0, le=MAX_INT)


class ProductFilters(Schema):
    stage: str | None = None
    tier: int | None = Field(None, ge=1, le=4)
    team: str | None = Field(None, description="Slug of the build or the run team.")
    lead: str | None = Field(None, description="Email of the build or the run lead.")
    standard: str | None = None
    tag: str | None = Field(None, max_length=100, description="Products carrying this tag.")
    q: str | None = Field(
        None, max_length=200, description="Text in the slug, name or description (case-insensitive)."
    )


class ProductPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ProductOut]


class TeamPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[TeamOut]


class PersonPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PersonOut]


class Message(Schema):
    detail: str


def _actor(request: HttpRequest) -> Actor:
    return api_actor(request)


def _products() -> QuerySet[Product]:
    return Product.objects.select_related(
        "build_lead", "run_lead", "build_team", "run_team"
    ).prefetch_related("stakeholders__person", "slos")


def _product_out(product: Product) -> ProductOut:
    spec = services.product_spec(product)
    return ProductOut.model_construct(
        **dict(spec),
        slug=product.slug,
        name=product.name,
        version=product.version,
        created_at=product.created_at,
        updated_at=product.updated_at,
    )


def _etag(value: str) -> str:
    return f'"{value}"'


def _if_match(request: HttpRequest) -> str | None:
    header = request.headers.get("If-Match")
    if header is None:
        return None
    return header.strip().removeprefix("W/").strip('"')


def _expected_version(request: HttpRequest, product: Product, body_version: int | None) -> int:
    """The version the client edited; refuses stale or unconditional edits."""
    tag = _if_match(request)
    if tag is not None and tag != "*":
        if not tag.isdigit():
            raise HttpError(412, f"If-Match {tag!r} is not a version of this product.")
        if int(tag) != product.version:
            raise StaleVersion(expected=int(tag), current=product.version, what="product")
        return product.version
    if body_version is not None:
        if body_version != product.version:
            raise StaleVersion(expected=body_version, current=product.version, what="product")
        return body_version
    if tag == "*":
        return product.version
    raise HttpError(428, 'Say which version you edited: send If-Match: "<version>" or a version field.')


def _get_product(slug: str) -> Product:
    product = _products().filter(slug=slug).first()
    if product is None:
        raise NotFound(f"No product {slug!r}.", field="slug")
    return product


def _save(request: HttpRequest, response: HttpResponse, **kwargs: Any) -> ProductOut:
    with transaction.atomic():
        product, _ = services.save_product(actor=_actor(request), **kwargs)
    product = _get_product(product.slug)
    response["ETag"] = _etag(str(product.version))
    return _product_out(product)


@router.get("/products", response=ProductPage, summary="List products")
def list_products(
    request: HttpRequest, filters: Query[ProductFilters], page: Query[PageParams]
) -> dict[str, Any]:
    products = policy.restrict(_products(), _actor(request))
    if filters.stage:
        products = products.filter(stage=filters.stage)
    if filters.tier:
        products = products.filter(tier=filters.tier)
    if filters.standard:
        products = products.filter(standard=filters.standard)
    if filters.team:
        products = products.filter(Q(build_team__slug=filters.team) | Q(run_team__slug=filters.team))
    if filters.lead:
        lead = filters.lead.strip().lower()
        products = products.filter(Q(build_lead__email=lead) | Q(run_lead__email=lead))
    if filters.tag:
        products = products.filter(pk__in=services.products_tagged(filters.tag))
    if filters.q:
        text = filters.q.strip()
        products = products.filter(
            Q(slug__icontains=text) | Q(name__icontains=text) | Q(description__icontains=text)
        )
    products = products.order_by("slug")
    items = products[page.offset : page.offset + page.limit]
    return {
        "count": products.count(),
        "limit": page.limit,
        "offset": page.offset,
        "items": [_product_out(p) for p in items],
    }


@router.get("/products/{slug}", response={200: ProductOut, 404: Message}, summary="Get a product")
def get_product(request: HttpRequest, slug: str, response: HttpResponse) -> ProductOut:
    product = _get_product(slug)
    response["ETag"] = _etag(str(product.version))
    return _product_out(product)


@router.post("/products", response={201: ProductOut, 409: Message, 422: Any}, summary="Create a product")
def create_product(
    request: HttpRequest, payload: ProductCreate, response: HttpResponse
) -> tuple[int, ProductOut]:
    if Product.objects.filter(slug=payload.slug).exists():
        raise Refused(f"A product {payload.slug!r} exists already.", field="slug")
    spec = ProductSpec.model_validate(payload.model_dump(exclude={"slug", "name"}))
    try:
        out = _save(request, response, slug=payload.slug, name=payload.name, spec=spec)
    except IntegrityError:
        raise Refused(f"A product {payload.slug!r} exists already.", field="slug") from None
    response["Location"] = f"/api/v1/products/{payload.slug}"
    return 201, out


@router.put(
    "/products/{slug}",
    response={200: ProductOut, 404: Message, 409: Message, 412: Message, 428: Message, 422: Any},
    summary="Replace a product",
)
def replace_product(
    request: HttpRequest, slug: str, payload: ProductReplace, response: HttpResponse
) -> ProductOut:
    product = _get_product(slug)
    expected = _expected_version(request, product, payload.version)
    spec = ProductSpec.model_validate(payload.model_dump(exclude={"name", "version"}))
    return _save(request, response, slug=slug, name=payload.name, spec=spec, expected_version=expected)


@router.patch(
    "/products/{slug}",
    response={200: ProductOut, 404: Message, 409: Message, 412: Message, 428: Message, 422: Any},
    summary="Change some fields of a product",
)
def patch_product(
    request: HttpRequest, slug: str, payload: ProductPatch, response: HttpResponse
) -> ProductOut:
    product = _get_product(slug)
    expected = _expected_version(request, product, payload.version)
    changes = payload.model_dump(mode="json", exclude_unset=True, exclude={"version"})
    with transaction.atomic():
        services.update_product(
            actor=_actor(request), product=product, changes=changes, expected_version=expected
        )
    product = _get_product(slug)
    response["ETag"] = _etag(str(product.version))
    return _product_out(product)


@router.delete(
    "/products/{slug}",
    response={204: None, 404: Message, 409: Message, 412: Message, 428: Message},
    summary="Delete a product",
)
def delete_product(request: HttpRequest, slug: str, version: int | None = None) -> tuple[int, None]:
    product = _get_product(slug)
    expected = _expected_version(request, product, version)
    with transaction.atomic():
        services.delete_product(actor=_actor(request), product=product, expected_version=expected)
    return 204, None


# ---------------------------------------------------------------- teams

# Teams and people carry no version; their ETag is derived from the last change, and
# If-Match, when sent, is honoured the same way.


def _stamp(obj: Team | Person) -> str:
    return hashlib.sha256(obj.updated_at.isoformat().encode()).hexdigest()[:16]


def _check_stamp(request: HttpRequest, obj: Team | Person) -> None:
    tag = _if_match(request)
    if tag is not None and tag not in {"*", _stamp(obj)}:
        raise HttpError(412, "If-Match is stale: this changed since you read it.")


def _team_out(team: Team) -> TeamOut:
    return TeamOut.model_construct(
        **dict(services.team_spec(team)), slug=team.slug, name=team.name, updated_at=team.updated_at
    )


def _get_team(slug: str) -> Team:
    team = Team.objects.prefetch_related("members").filter(slug=slug).first()
    if team is None:
        raise NotFound(f"No team {slug!r}.", field="slug")
    return team


def _save_team(request: HttpRequest, response: HttpResponse, slug: str, name: str, spec: TeamSpec) -> TeamOut:
    with transaction.atomic():
        services.upsert_team(actor=_actor(request), slug=slug, name=name, spec=spec)
    team = _get_team(slug)
    response["ETag"] = _etag(_stamp(team))
    return _team_out(team)


@router.get("/teams", response=TeamPage, summary="List teams")
def list_teams(request: HttpRequest, page: Query[PageParams], kind: str | None = None) -> dict[str, Any]:
    teams = Team.objects.prefetch_related("members").order_by("slug")
    if kind:
        teams = teams.filter(kind=kind)
    items = teams[page.offset : page.offset + page.limit]
    return {
        "count": teams.count(),
        "limit": page.limit,
        "offset": page.offset,
        "items": [_team_out(t) for t in items],
    }


@router.get("/teams/{slug}", response={200: TeamOut, 404: Message}, summary="Get a team")
def get_team(request: HttpRequest, slug: str, response: HttpResponse) -> TeamOut:
    team = _get_team(slug)
    response["ETag"] = _etag(_stamp(team))
    return _team_out(team)


@router.post("/teams", response={201: TeamOut, 409: Message, 422: Any}, summary="Create a team")
def create_team(request: HttpRequest, payload: TeamCreate, response: HttpResponse) -> tuple[int, TeamOut]:
    if Team.objects.filter(slug=payload.slug).exists():
        raise Refused(f"A team {payload.slug!r} exists already.", field="slug")
    spec = TeamSpec.model_validate(payload.model_dump(exclude={"slug", "name"}))
    out = _save_team(request, response, payload.slug, payload.name, spec)
    response["Location"] = f"/api/v1/teams/{payload.slug}"
    return 201, out


@router.patch(
    "/teams/{slug}", response={200: TeamOut, 404: Message, 412: Message, 422: Any}, summary="Change a team"
)
def patch_team(request: HttpRequest, slug: str, payload: TeamPatch, response: HttpResponse) -> TeamOut:
    team = _get_team(slug)
    _check_stamp(request, team)
    changes = payload.model_dump(exclude_unset=True)
    name = changes.pop("name", None) or team.name
    spec = TeamSpec.model_validate(services.team_spec(team).model_dump() | changes)
    return _save_team(request, response, slug, name, spec)


@router.delete(
    "/teams/{slug}", response={204: None, 404: Message, 409: Message, 412: Message}, summary="Delete a team"
)
def delete_team(request: HttpRequest, slug: str) -> tuple[int, None]:
    team = _get_team(slug)
    _check_stamp(request, team)
    with transaction.atomic():
        services.delete_team(actor=_actor(request), team=team)
    return 204, None


# ---------------------------------------------------------------- people


def _person_out(person: Person) -> PersonOut:
    return PersonOut(
        email=person.email,
        name=person.name,
        teams=sorted(t.slug for t in person.teams.all()),
        updated_at=person.updated_at,
    )


def _get_person(email: str) -> Person:
    person = Person.objects.prefetch_related("teams").filter(email=email.strip().lower()).first()
    if person is None:
        raise NotFound(f"No person {email!r}.", field="email")
    return person


@router.get("/people", response=PersonPage, summary="List people")
def list_people(
    request: HttpRequest, page: Query[PageParams], team: str | None = None, q: str | None = None
) -> dict[str, Any]:
    people = Person.objects.prefetch_related("teams").order_by("email")
    if team:
        people = people.filter(teams__slug=team)
    if q:
        people = people.filter(Q(email__icontains=q) | Q(name__icontains=q))
    items = people[page.offset : page.offset + page.limit]
    return {
        "count": people.count(),
        "limit": page.limit,
        "offset": page.offset,
        "items": [_person_out(p) for p in items],
    }


@router.get("/people/{email}", response={200: PersonOut, 404: Message}, summary="Get a person")
def get_person(request: HttpRequest, email: str, response: HttpResponse) -> PersonOut:
    person = _get_person(email)
    response["ETag"] = _etag(_stamp(person))
    return _person_out(person)


@router.post("/people", response={201: PersonOut, 409: Message, 422: Any}, summary="Add a person")
def create_person(request: HttpRequest, payload: PersonCreate) -> tuple[int, PersonOut]:
    if Person.objects.filter(email=payload.email).exists():
        raise Refused(f"A person {payload.email!r} exists already.", field="email")
    with transaction.atomic():
        services.upsert_person(actor=_actor(request), email=payload.email, name=payload.name)
    return 201, _person_out(_get_person(payload.email))


@router.patch(
    "/people/{email}",
    response={200: PersonOut, 404: Message, 412: Message, 422: Any},
    summary="Rename a person",
)
def patch_person(request: HttpRequest, email: str, payload: PersonPatch) -> PersonOut:
    person = _get_person(email)
    _check_stamp(request, person)
    with transaction.atomic():
        services.upsert_person(actor=_actor(request), email=person.email, name=payload.name)
    return _person_out(_get_person(person.email))


@router.delete(
    "/people/{email}",
    response={204: None, 404: Message, 409: Message, 412: Message},
    summary="Remove a person",
)
def delete_person(request: HttpRequest, email: str) -> tuple[int, None]:
    person = _get_person(email)
    _check_stamp(request, person)
    with transaction.atomic():
        services.delete_person(actor=_actor(request), person=person)
    return 204, None
