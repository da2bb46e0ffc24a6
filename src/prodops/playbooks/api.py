"""Playbooks and runs over HTTP: the same services as the CLI and the web."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router

from prodops.accounts.auth import api_actor
from prodops.catalog.models import Person, Product, Team
from prodops.core.errors import InvalidInput, NotFound
from prodops.core.pagination import Envelope, Mapped, paginate
from prodops.playbooks import services
from prodops.playbooks.manifest_kind import PlaybookMetadata
from prodops.playbooks.models import Playbook, Run
from prodops.playbooks.schemas import DoneIn, PlaybookIn, RunIn, SkipIn

router = Router(tags=["playbooks"])


def _find(model: Any, field: str, value: str | None, arg: str) -> Any:
    if value is None:
        return None
    obj = model.objects.filter(**{f"{field}__iexact": value.strip()}).first()
    if obj is None:
        raise NotFound(f"no {model.__name__.lower()} {value[:100]!r}", field=arg)
    return obj


def playbook_out(playbook: Playbook) -> dict[str, Any]:
    return {
        "slug": playbook.slug,
        "name": playbook.name,
        "version": playbook.version,
        "spec": playbook.current.spec,
        "stats": services.playbook_stats(playbook),
    }


@router.get(
    "/playbooks", response=list[dict[str, Any]], summary="Playbooks, each with its current spec and figures"
)
@paginate(Envelope)
def list_playbooks(request: HttpRequest) -> Mapped:
    return Mapped(Playbook.objects.order_by("slug"), playbook_out)


@router.get("/playbooks/{slug}", summary="One playbook")
def get_playbook(request: HttpRequest, slug: str) -> dict[str, Any]:
    return playbook_out(services.get_playbook(slug, field="slug"))


@router.put("/playbooks/{slug}", summary="Create or update a playbook (a new version when the spec changes)")
def put_playbook(request: HttpRequest, slug: str, payload: PlaybookIn) -> dict[str, Any]:

    try:
        PlaybookMetadata(slug=slug)
    except ValueError:
        raise InvalidInput("a slug is 1-63 lower-case letters, digits and hyphens", field="slug") from None
    with transaction.atomic():
        outcome = services.apply_playbook(
            actor=api_actor(request), slug=slug, name=payload.name, spec=payload.spec
        )
    return {"outcome": outcome, **playbook_out(services.get_playbook(slug, field="slug"))}


@router.get(
    "/playbook-runs",
    response=list[dict[str, Any]],
    summary="Runs, newest first (filter by status, product, playbook)",
)
@paginate(Envelope)
def list_runs(
    request: HttpRequest, status: str | None = None, product: str | None = None, playbook: str | None = None
) -> Mapped:
    runs = Run.objects.select_related("playbook", "version", "product", "team", "subject", "buddy")
    if status:
        runs = runs.filter(status=status)
    if product:
        runs = runs.filter(product__slug=product)
    if playbook:
        runs = runs.filter(playbook__slug=playbook)
    return Mapped(runs, services.run_dict)


@router.post("/playbooks/{slug}/runs", response={201: dict[str, Any]}, summary="Start a run")
def start_run(request: HttpRequest, slug: str, payload: RunIn) -> tuple[int, dict[str, Any]]:
    with transaction.atomic():
        run = services.start_run(
            actor=api_actor(request),
            playbook=services.get_playbook(slug, field="slug"),
            product=_find(Product, "slug", payload.product, "product"),
            team=_find(Team, "slug", payload.team, "team"),
            subject=_find(Person, "email", payload.for_, "for"),
            buddy=_find(Person, "email", payload.buddy, "buddy"),
        )
        return 201, services.run_dict(run)


@router.get("/playbook-runs/{run_id}", summary="A run: its steps and what its definition of done misses")
def get_run(request: HttpRequest, run_id: int) -> dict[str, Any]:
    return services.run_dict(services.get_run(run_id))


@router.post("/playbook-runs/{run_id}/steps/{step_id}/start", summary="Mark a step in progress")
def start_step(request: HttpRequest, run_id: int, step_id: str) -> dict[str, Any]:
    with transaction.atomic():
        run = services.get_run(run_id)
        services.start_step(actor=api_actor(request), run=run, step_id=step_id)
        return services.run_dict(run)


@router.post(
    "/playbook-runs/{run_id}/steps/{step_id}/done", summary="Do a step (approve or reject an approval)"
)
def done_step(request: HttpRequest, run_id: int, step_id: str, payload: DoneIn) -> dict[str, Any]:
    with transaction.atomic():
        run = services.get_run(run_id)
        services.do_step(actor=api_actor(request), run=run, step_id=step_id, **payload.dict())
        return services.run_dict(run)


@router.post("/playbook-runs/{run_id}/steps/{step_id}/skip", summary="Skip a step (required: with a reason)")
def skip_step(request: HttpRequest, run_id: int, step_id: str, payload: SkipIn) -> dict[str, Any]:
    with transaction.atomic():
        run = services.get_run(run_id)
        services.skip_step(actor=api_actor(request), run=run, step_id=step_id, reason=payload.reason)
        return services.run_dict(run)


@router.post("/playbook-runs/{run_id}/close", summary="Close a run (409 listing what is missing until done)")
def close_run(request: HttpRequest, run_id: int) -> dict[str, Any]:
    with transaction.atomic():
        run = services.get_run(run_id)
        services.close_run(actor=api_actor(request), run=run)
        return services.run_dict(run)
