"""The HTML application: thin views over the domain services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from prodops.accounts import policy
from prodops.audit.models import AuditEntry
from prodops.catalog.models import DEFAULT_STAGES, Product
from prodops.comments.models import Comment
from prodops.core import facts as registry
from prodops.core.actors import Actor
from prodops.handback.services import flagged
from prodops.web import gates, integrations, sections, views_evidence
from prodops.web.errors import add_service_error, is_service_error, mark_errors
from prodops.web.forms import PortfolioFilterForm, ProductForm

BOARD_TILES = 8
PAGE_SIZE = 50


def _can(request: HttpRequest, action: str, obj: Any = None) -> bool:
    """Whether to *show* a button or form; the service decides what may be *done*."""
    return policy.allows(_actor(request), action, obj)


def _products(request: HttpRequest) -> QuerySet[Product]:
    return policy.restrict(Product.objects.all(), _actor(request))


def _filtered(request: HttpRequest, form: PortfolioFilterForm) -> QuerySet[Product]:
    qs = _products(request)
    if not form.is_valid():
        return qs
    data = form.cleaned_data
    if data["q"]:
        qs = qs.filter(Q(name__icontains=data["q"]) | Q(slug__icontains=data["q"]))
    if data["team"]:
        qs = qs.filter(Q(build_team__slug=data["team"]) | Q(run_team__slug=data["team"]))
    if data["lead"]:
        lead = data["lead"].strip().lower()
        qs = qs.filter(Q(build_lead__email__icontains=lead) | Q(run_lead__email__icontains=lead))
    if data["tier"]:
        qs = qs.filter(tier=int(data["tier"]))
    if data["tag"]:
        # Tags are a JSON list; matching the quoted tag inside its text works on SQLite
        # and PostgreSQL alike (JSON `contains` is PostgreSQL-only).
        qs = qs.filter(tags__icontains=f'"{data["tag"].strip()}"')
    if data["stage"]:
        qs = qs.filter(stage=data["stage"])
    return qs


def home(request: HttpRequest) -> HttpResponse:
    """The portfolio: a board by stage (or a paginated list), with what needs attention."""
    form = PortfolioFilterForm(request.GET or None)
    qs = _filtered(request, form)
    view = "list" if request.GET.get("view") == "list" else "board"
    counts = dict(qs.order_by().values_list("stage").annotate(n=Count("id")).values_list("stage", "n"))
    stages = list(DEFAULT_STAGES) + sorted(s for s in counts if s not in DEFAULT_STAGES)
    tiles = qs.select_related("build_lead", "run_lead").order_by("tier", "slug")
    context: dict[str, Any] = {
        "form": form,
        "view": view,
        "total": sum(counts.values()),
        "counts": [(s, counts.get(s, 0)) for s in stages],
        "query": _query_without(request, "view", "page"),
        "can_create": _can(request, "product.create"),
    }
    if view == "list":
        page = Paginator(tiles, PAGE_SIZE).get_page(request.GET.get("page"))
        context["page"] = page
        shown: list[Product] = list(page.object_list)
    else:
        columns = []
        shown = []
        for stage in stages:
            items = list(tiles.filter(stage=stage)[:BOARD_TILES]) if counts.get(stage) else []
            shown.extend(items)
            columns.append({"stage": stage, "count": counts.get(stage, 0), "items": items})
        context["columns"] = columns
    context["readiness"] = integrations.readiness_for(shown)
    now = timezone.now()
    context["blocked_count"], context["blocked"] = integrations.blocked_gates(qs, limit=10)
    context["expiring_waivers"] = integrations.expiring_waivers(qs, now=now, within_days=14, limit=10)
    context["warranties_ending"] = integrations.warranties_ending(qs, now=now)
    handback = flagged(products=qs)
    context["handback"] = sorted(handback.values(), key=lambda w: w.product.name)
    context["handback_flags"] = set(handback)
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "portfolio":
        return render(request, "web/partials/portfolio.html", context)
    return render(request, "web/home.html", context)


def _query_without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(
        _products(request).select_related("build_lead", "run_lead", "build_team", "run_team"),
        slug=slug,
    )
    today = timezone.localdate()
    stages = list(DEFAULT_STAGES)
    current = stages.index(product.stage) if product.stage in stages else -1
    context = {
        "product": product,
        "timeline": [
            {"stage": s, "state": "done" if i < current else "current" if i == current else "todo"}
            for i, s in enumerate(stages)
        ],
        "stakeholders": product.stakeholders.select_related("person"),
        "slos": product.slos.all(),
        "activity": AuditEntry.objects.filter(product=product)[:15],
        "can_edit": _can(request, "product.edit", product),
        "can_contribute": _can(request, "evidence.edit", product),
        "can_sign": _can(request, "transition.approve", product),
        "sections": [sections.context(s, product, today=today) for s in sections.SECTIONS.values()],
        **integrations.product_sections(product, request.user),
        **views_evidence.product_context(request, product),
        **gates.checklist_context(product, request.user, request.GET.get("gate")),
        **gates.transitions_context(product, request.user),
    }
    return render(request, "web/product.html", context)


def activity(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.select_related("product").all()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/activity.html", {"page": page})


def product_activity(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(_products(request), slug=slug)

    entries = AuditEntry.objects.filter(product=product)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [int(e.object_id) for e in page.object_list if e.action == "comment.create"]
    comments = {str(c.pk): c for c in Comment.objects.filter(pk__in=ids)}
    return render(
        request,
        "web/activity.html",
        {
            "page": page,
            "product": product,
            "comments": comments,
            "can_comment": _can(request, "comment.create", product),
        },
    )


def facts(request: HttpRequest) -> HttpResponse:

    return render(request, "web/facts.html", {"specs": registry.specs()})


def standards(request: HttpRequest) -> HttpResponse:
    return render(request, "web/standards.html", {"standards": integrations.standards()})


def _redirect_back(request: HttpRequest, product: Product) -> HttpResponse:
    messages.info(request, "Done.")
    return redirect("web:product", slug=product.slug)


def _product_form_response(request: HttpRequest, form: Any, product: Product | None) -> HttpResponse:
    return render(
        request,
        "web/product_form.html",
        {"form": form, "product": product},
        status=400 if form.is_bound and form.errors else 200,
    )


def product_create(request: HttpRequest) -> HttpResponse:
    # Showing the form is not a decision: the catalog service decides on save.
    policy.require(_actor(request), "product.create")
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                product = integrations.save_product(
                    actor=_actor(request), product=None, data=form.cleaned_data
                )
        except Exception as exc:
            if not is_service_error(exc):
                raise
            add_service_error(form, exc, integrations.FORM_FIELDS)
        else:
            messages.success(request, f"{product.name} created.")
            return redirect("web:product", slug=product.slug)
    return _product_form_response(request, form, None)


def product_edit(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(
        _products(request).select_related("build_lead", "run_lead", "build_team", "run_team"),
        slug=slug,
    )
    policy.require(_actor(request), "product.edit", product)
    initial = {
        "slug": product.slug,
        "name": product.name,
        "description": product.description,
        "tier": product.tier,
        "build_lead": product.build_lead.email,
        "run_lead": product.run_lead.email,
        "build_team": product.build_team.slug if product.build_team else "",
        "run_team": product.run_team.slug if product.run_team else "",
        "tags": ", ".join(product.tags or []),
        "version": product.version,
    }
    form = ProductForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                product = integrations.save_product(
                    actor=_actor(request), product=product, data=form.cleaned_data
                )
        except Exception as exc:
            if not is_service_error(exc):
                raise
            add_service_error(form, exc, integrations.FORM_FIELDS)
        else:
            messages.success(request, f"{product.name} saved.")
            return redirect("web:product", slug=product.slug)
    return _product_form_response(request, form, product)


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, "web")  # type: ignore[arg-type]


def section_add(request: HttpRequest, slug: str, section: str) -> HttpResponse:
    """Add a document, a risk or a known error; HTMX swaps the section in place, and
    without JavaScript the form posts and comes back to the product page."""
    spec = sections.SECTIONS.get(section)
    if spec is None:
        raise Http404("No such section.")
    product = get_object_or_404(_products(request).select_related("build_lead", "run_lead"), slug=slug)
    form = spec.form(request.POST or None, prefix=spec.name)
    htmx = bool(request.headers.get("HX-Request"))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                with transaction.atomic():
                    spec.create(actor=_actor(request), product=product, data=form.cleaned_data)
            except Exception as exc:
                if not is_service_error(exc):
                    raise  # a bug, or the policy's refusal: the middleware answers 403
                # services name their input ("owner"); the section forms say "owner_email"
                add_service_error(form, exc, aliases={"owner": "owner_email", "trainer": "trainer_email"})
            else:
                if not htmx:
                    messages.success(request, f"Added to {spec.title.lower()}.")
                    return redirect(f"{reverse('web:product', args=[product.slug])}#section-{spec.name}")
                form = spec.form(prefix=spec.name)
                response = _render_section(request, spec, product, form)
                # Readiness, the checklist and the activity list depend on what changed.
                response["HX-Trigger"] = "facts-changed"
                return response
        # HTMX swaps only 2xx responses by default; a plain form post gets a 400.
        status = 200 if htmx else 400
        mark_errors(form)
    if not htmx:
        return (
            redirect("web:product", slug=product.slug)
            if request.method == "GET"
            else _render_section(request, spec, product, form, status=status, full_page=True)
        )
    return _render_section(request, spec, product, form, status=status)


def _render_section(
    request: HttpRequest,
    spec: Any,
    product: Product,
    form: Any,
    *,
    status: int = 200,
    full_page: bool = False,
) -> HttpResponse:
    context = {
        "product": product,
        "can_contribute": _can(request, "evidence.edit", product),
        **sections.context(spec, product, form=form, today=timezone.localdate()),
    }
    template = "web/section_page.html" if full_page else "web/partials/section.html"
    return render(request, template, context, status=status)
