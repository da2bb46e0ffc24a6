"""People and teams: lists for everyone; product operations create and edit them; a
person named on a product can be invited to sign in with a one-time link."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from prodops.accounts import policy
from prodops.accounts import services as accounts
from prodops.catalog import services as catalog
from prodops.catalog.models import Person, Product, Team
from prodops.catalog.schemas import TeamSpec
from prodops.core.errors import PermissionDenied
from prodops.knowledge.services import team_loads
from prodops.web.errors import add_service_error, is_service_error, mark_errors
from prodops.web.forms import InviteForm, PersonForm, TeamForm
from prodops.web.views_evidence import actor_of


def people(request: HttpRequest) -> HttpResponse:

    rows = Person.objects.prefetch_related("teams").annotate(
        builds_n=Count("builds", distinct=True), runs_n=Count("runs", distinct=True)
    )
    can_sign_in = set(
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(password__startswith="!")
        .values_list("email", flat=True)
    )
    actor = actor_of(request)
    return render(
        request,
        "web/people.html",
        {
            "people": rows.order_by("name", "email"),
            "can_sign_in": {e.lower() for e in can_sign_in},
            "can_manage": policy.allows(actor, "person.manage"),
        },
    )


def teams(request: HttpRequest) -> HttpResponse:

    loads = {load.team.pk: load for load in team_loads()}
    rows = Team.objects.prefetch_related(Prefetch("members", queryset=Person.objects.order_by("email")))
    return render(
        request,
        "web/teams.html",
        {
            "teams": rows.order_by("name"),
            "loads": loads,
            "can_manage": policy.allows(actor_of(request), "team.manage"),
        },
    )


def _form_page(request: HttpRequest, form: Any, title: str, back: str) -> HttpResponse:
    mark_errors(form)
    return render(
        request,
        "web/simple_form.html",
        {"form": form, "title": title, "back": back},
        status=400 if form.errors else 200,
    )


def person_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:

    actor = actor_of(request)
    if not policy.allows(actor, "person.manage"):
        raise HttpForbidden("Only product operations may add or edit people.")
    person = get_object_or_404(Person, pk=pk) if pk is not None else None
    initial = {"email": person.email, "name": person.name} if person else {}
    form = PersonForm(request.POST or None, initial=initial, editing=person is not None)
    if request.method == "POST" and form.is_valid():
        email = person.email if person else form.cleaned_data["email"]
        if person is None and Person.objects.filter(email=email.strip().lower()).exists():
            form.add_error("email", "A person with this email is already in the catalog.")
        else:
            try:
                with transaction.atomic():
                    catalog.upsert_person(actor=actor, email=email, name=form.cleaned_data["name"])
            except PermissionDenied as exc:
                raise HttpForbidden(exc.message) from exc
            except Exception as exc:
                if not is_service_error(exc):
                    raise
                add_service_error(form, exc)
            else:
                messages.success(request, f"{email} saved.")
                return redirect("web:people")
    return _form_page(request, form, f"Edit {person}" if person else "New person", "web:people")


def team_form(request: HttpRequest, slug: str | None = None) -> HttpResponse:

    actor = actor_of(request)
    if not policy.allows(actor, "team.manage"):
        raise HttpForbidden("Only product operations may add or edit teams.")
    team = get_object_or_404(Team, slug=slug) if slug is not None else None
    initial: dict[str, Any] = {}
    if team is not None:
        initial = {
            "slug": team.slug,
            "name": team.name,
            "kind": team.kind,
            "capacity_hours_per_week": team.capacity_hours_per_week,
            "members": "\n".join(m.email for m in team.members.order_by("email")),
        }
    form = TeamForm(request.POST or None, initial=initial, editing=team is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = team.slug if team else data["slug"]
        if team is None and Team.objects.filter(slug=target).exists():
            form.add_error("slug", "A team with this slug already exists.")
        else:
            try:
                spec = TeamSpec(
                    kind=data["kind"],
                    capacity_hours_per_week=data["capacity_hours_per_week"],
                    members=data["members"],
                )
                with transaction.atomic():
                    catalog.upsert_team(actor=actor, slug=target, name=data["name"], spec=spec)
            except PermissionDenied as exc:
                raise HttpForbidden(exc.message) from exc
            except Exception as exc:
                if not is_service_error(exc):
                    raise
                add_service_error(form, exc, {"members": "members"})
            else:
                messages.success(request, f"Team {data['name']} saved.")
                return redirect("web:teams")
    return _form_page(request, form, f"Edit {team}" if team else "New team", "web:teams")


@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    """Invite a person to sign in; the one-time link is shown once, here, and emailed."""

    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say whom to invite.")
        return redirect("web:people")
    slug = form.cleaned_data["product"]
    product = (
        get_object_or_404(Product.objects.select_related("build_lead", "run_lead"), slug=slug)
        if slug
        else None
    )
    email = form.cleaned_data["email"]
    try:
        with transaction.atomic():
            link = accounts.invite_person(
                actor=actor_of(request),
                email=email,
                product=product,
                base_url=request.build_absolute_uri("/"),
            )
    except PermissionDenied as exc:
        raise HttpForbidden(exc.message) from exc
    except Exception as exc:
        if not is_service_error(exc):
            raise
        messages.error(request, str(getattr(exc, "message", "") or exc))
        return redirect("web:product", slug=slug) if product else redirect("web:people")
    # Shown once: rendered into this response only, never stored or put in a message.
    return render(request, "web/invited.html", {"email": email, "link": link, "product": product})
