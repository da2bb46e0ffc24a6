"""Pages of the playbooks app: playbooks (with figures, editable as YAML), a run as a
checklist with progress, and a team's new engineers. Every change goes through the
same services as the API and the CLI."""

from __future__ import annotations

from typing import Any

import yaml
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from prodops.accounts import policy
from prodops.catalog.models import Team
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, NotFound, PermissionDenied, ProdOpsError
from prodops.knowledge.models import SupportSignoff
from prodops.playbooks import services
from prodops.playbooks.models import Playbook, Run, RunStep


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, "web", reason=request.POST.get("override_reason", ""))  # type: ignore[arg-type]


def playbook_list(request: HttpRequest) -> HttpResponse:
    rows = [(p, services.playbook_stats(p)) for p in Playbook.objects.order_by("slug")]
    open_runs = Run.objects.filter(status=Run.Status.OPEN).select_related(
        "playbook", "product", "team", "subject"
    )
    return render(request, "playbooks/list.html", {"rows": rows, "open_runs": open_runs[:100]})


def playbook_detail(request: HttpRequest, slug: str) -> HttpResponse:
    playbook = get_object_or_404(Playbook, slug=slug)
    text = yaml.safe_dump(playbook.current.spec, sort_keys=False, allow_unicode=True, width=100)
    error = ""
    if request.method == "POST":
        text = request.POST.get("spec", "")
        try:
            try:
                spec = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise InvalidInput(f"YAML syntax error: {exc}", field="spec") from None
            with transaction.atomic():
                outcome = services.apply_playbook(
                    actor=_actor(request),
                    slug=slug,
                    name=request.POST.get("name") or playbook.name,
                    spec=spec,
                )
            messages.success(request, f"Playbook {slug} {outcome}.")
            return redirect("playbooks:detail", slug=slug)
        except PermissionDenied:
            raise  # the policy's refusal is the 403 page (PolicyDeniedMiddleware), not a message
        except ProdOpsError as exc:
            error = exc.as_cli_line()
    return render(
        request,
        "playbooks/detail.html",
        {
            "playbook": playbook,
            "stats": services.playbook_stats(playbook),
            "spec_text": text,
            "error": error,
            "can_edit": policy.allows(_actor(request), "playbook.manage"),
            "runs": playbook.runs.select_related("version", "product", "team", "subject")[:50],
        },
    )


def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    try:
        run = services.get_run(run_id)
    except NotFound:
        raise Http404("no such run") from None
    if request.method == "POST":
        action, step_id = request.POST.get("action", ""), request.POST.get("step", "")
        try:
            with transaction.atomic():
                if action == "done":
                    services.do_step(
                        actor=_actor(request),
                        run=run,
                        step_id=step_id,
                        note=request.POST.get("note", ""),
                        evidence=request.POST.get("evidence", ""),
                    )
                elif action == "reject":
                    services.do_step(
                        actor=_actor(request),
                        run=run,
                        step_id=step_id,
                        approve=False,
                        reason=request.POST.get("reason", ""),
                    )
                elif action == "start":
                    services.start_step(actor=_actor(request), run=run, step_id=step_id)
                elif action == "skip":
                    services.skip_step(
                        actor=_actor(request), run=run, step_id=step_id, reason=request.POST.get("reason", "")
                    )
                elif action == "close":
                    services.close_run(actor=_actor(request), run=run)
                else:
                    raise InvalidInput(f"unknown action {action[:40]!r}", field="action")
            messages.success(request, "Saved.")
        except PermissionDenied:
            raise  # the policy's refusal is the 403 page (PolicyDeniedMiddleware), not a message
        except ProdOpsError as exc:
            messages.error(request, exc.as_cli_line())
        return redirect("playbooks:run", run_id=run.pk)
    data = services.run_dict(run)
    progress = data["progress"]
    percent = round(100 * progress["closed"] / progress["total"]) if progress["total"] else 100
    return render(request, "playbooks/run.html", {"run": run, "data": data, "percent": percent})


def new_engineers(request: HttpRequest, slug: str) -> HttpResponse:
    """A team's onboarding plans: in progress first, with days to the first sign-off
    and completion."""

    team = get_object_or_404(Team, slug=slug)
    plans: list[dict[str, Any]] = []
    for run in Run.objects.filter(team=team, subject__isnull=False).select_related(
        "subject", "buddy", "playbook"
    ):
        steps = list(run.steps.all())
        closed = sum(1 for s in steps if s.status in {RunStep.Status.DONE, RunStep.Status.SKIPPED})
        first = (
            SupportSignoff.objects.filter(
                person=run.subject, product__run_team=team, signed_at__gte=run.started_at
            )
            .order_by("signed_at")
            .values_list("signed_at", flat=True)
            .first()
        )
        plans.append(
            {
                "run": run,
                "completion": round(100 * closed / len(steps)) if steps else 100,
                "days_to_first_signoff": (first - run.started_at).days if first else None,
            }
        )
    plans.sort(key=lambda p: (p["run"].status != Run.Status.OPEN, -p["run"].started_at.timestamp()))
    context: dict[str, Any] = {"team": team, "plans": plans}
    return render(request, "playbooks/new_engineers.html", context)
