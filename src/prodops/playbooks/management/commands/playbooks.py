from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from prodops.catalog.models import Person, Product, Team
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, NotFound
from prodops.playbooks import services
from prodops.playbooks.models import Playbook


def cli_actor(email: str | None, reason: str | None) -> Actor:
    """The local operator, or with ``--as EMAIL`` the ProdOps user with that email (so
    the policy decides as for them: a step assigned to the run lead, done by the run lead)."""
    if not email:
        return Actor.cli().with_reason(reason or "")

    user = get_user_model().objects.filter(email__iexact=email.strip(), is_active=True).order_by("pk").first()
    if user is None:
        raise InvalidInput(f"no active user with email {email[:100]!r}", field="as")
    return Actor.for_user(user, "cli", reason=reason or "")


def _by(model: Any, field: str, value: str | None, *, what: str, arg: str) -> Any:
    if value is None:
        return None
    obj = model.objects.filter(**{f"{field}__iexact": value.strip()}).first()
    if obj is None:
        raise NotFound(f"no {what} {value[:100]!r}", field=arg)
    return obj


def render_run(data: dict[str, Any]) -> str:
    total = data["progress"]["total"]
    closed = data["progress"]["closed"]
    head = (
        f"run {data['id']}: {data['playbook']} v{data['version']}"
        + (f" (latest v{data['latest_version']})" if data["latest_version"] != data["version"] else "")
        + (f" for {data['product']}" if data["product"] else "")
        + (f" for {data['for']} in team {data['team']}" if data["for"] else "")
        + f" — {data['status']}, {closed}/{total} steps closed"
    )
    lines = [head]
    if data["buddy"]:
        lines.append(f"  buddy: {data['buddy']}")
    marks = {"done": "[x]", "skipped": "[-]", "in_progress": "[~]", "open": "[ ]"}
    phase = None
    for s in data["steps"]:
        if s["phase"] and s["phase"] != phase:
            phase = s["phase"]
            lines.append(f"  {phase}:")
        extra = [s["kind"]] if s["kind"] != "task" else []
        if s["assignee"]:
            extra.append(s["assignee"])
        if s["due"]:
            extra.append(f"due {s['due']}")
        if not s["required"]:
            extra.append("optional")
        if s["until"]:
            extra.append(f"until {s['until']}")
        lines.append(
            f"  {marks[s['status']]} {s['id']}: {s['title']}  ({', '.join(extra)})"
            if extra
            else f"  {marks[s['status']]} {s['id']}: {s['title']}"
        )
        if s["reason"]:
            lines.append(f"        reason: {s['reason']}")
    dw = data["done_when"]
    lines.append(f"  done when {dw['condition']}: " + ("holds" if dw["holds"] else "not yet"))
    lines.extend(f"    missing: {m}" for m in dw["missing"])
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Playbooks and their runs: list, start, show, done, skip, close. Exit 0 on success, "
        "1 when refused (a close before the run is done, a step someone may not do), 2 on bad input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)

        def common(p: CommandParser, fmt: bool = True) -> None:
            if fmt:
                p.add_argument("--format", choices=["text", "json"], default="text")
            p.add_argument("--as", dest="as_email", metavar="EMAIL", help="Act as this ProdOps user.")
            p.add_argument("--reason", help="Why (a required step skipped; an admin's override).")

        p = sub.add_parser("list", help="Playbooks with their version, trigger and figures.")
        p.add_argument("--format", choices=["text", "json"], default="text")
        p = sub.add_parser("start", help="Start a run: --product SLUG, or --for EMAIL --team SLUG.")
        p.add_argument("playbook")
        p.add_argument("--product", metavar="SLUG")
        p.add_argument("--team", metavar="SLUG")
        p.add_argument("--for", dest="for_email", metavar="EMAIL", help="The person the run is for.")
        p.add_argument("--buddy", metavar="EMAIL")
        common(p)
        p = sub.add_parser("show", help="A run as a checklist, with what its definition of done misses.")
        p.add_argument("run")
        p.add_argument("--format", choices=["text", "json"], default="text")
        p = sub.add_parser("done", help="Mark a step done (an approval: approved).")
        p.add_argument("run")
        p.add_argument("step")
        p.add_argument("--note", default="")
        p.add_argument("--evidence", default="", help="A link or file reference (evidence steps).")
        p.add_argument("--reject", action="store_true", help="An approval step: reject it (with --reason).")
        common(p)
        p = sub.add_parser("skip", help="Skip a step; a required one needs --reason and product operations.")
        p.add_argument("run")
        p.add_argument("step")
        common(p)
        p = sub.add_parser("close", help="Close a run; refused (exit 1) with what is missing until done.")
        p.add_argument("run")
        common(p)

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        getattr(self, f"_{verb}")(options)

    def _out(self, options: dict[str, Any], data: dict[str, Any]) -> None:
        if options.get("format") == "json":
            self.stdout.write(json.dumps(data, indent=2))
        else:
            self.stdout.write(render_run(data))

    def _list(self, options: dict[str, Any]) -> None:
        rows = []
        for playbook in Playbook.objects.order_by("slug"):
            spec = playbook.current.spec
            trigger = spec.get("trigger", {}).get("on", "manual")
            rows.append(
                {
                    "slug": playbook.slug,
                    "name": playbook.name,
                    "version": playbook.version,
                    "trigger": trigger,
                    "source": spec.get("source", ""),
                    "stats": services.playbook_stats(playbook),
                }
            )
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, indent=2))
            return
        if not rows:
            self.stdout.write("No playbooks. Apply one (`prodops apply -f playbook.yaml`).")
        for r in rows:
            st = r["stats"]
            med = "-" if st["median_duration_days"] is None else f"{st['median_duration_days']} d"
            self.stdout.write(
                f"{r['slug']:<24} v{r['version']:<3} {r['trigger']:<20} runs {st['runs']:>3} "
                f"(open {st['open']}, old versions {st['runs_on_old_versions']}), median {med}  {r['name']}"
            )

    def _start(self, options: dict[str, Any]) -> None:
        actor = cli_actor(options["as_email"], options["reason"])
        with transaction.atomic():
            playbook = services.get_playbook(options["playbook"])
            product = _by(Product, "slug", options["product"], what="product", arg="product")
            team = _by(Team, "slug", options["team"], what="team", arg="team")
            subject = _by(Person, "email", options["for_email"], what="person", arg="for")
            buddy = _by(Person, "email", options["buddy"], what="person", arg="buddy")
            run = services.start_run(
                actor=actor, playbook=playbook, product=product, team=team, subject=subject, buddy=buddy
            )
            data = services.run_dict(run)
        self._out(options, data)

    def _show(self, options: dict[str, Any]) -> None:
        self._out(options, services.run_dict(services.get_run(options["run"])))

    def _done(self, options: dict[str, Any]) -> None:
        actor = cli_actor(options["as_email"], options["reason"])
        with transaction.atomic():
            run = services.get_run(options["run"])
            services.do_step(
                actor=actor,
                run=run,
                step_id=options["step"],
                note=options["note"],
                evidence=options["evidence"],
                approve=not options["reject"],
                reason=options["reason"] or "",
            )
            data = services.run_dict(run)
        self._out(options, data)

    def _skip(self, options: dict[str, Any]) -> None:
        actor = cli_actor(options["as_email"], options["reason"])
        with transaction.atomic():
            run = services.get_run(options["run"])
            services.skip_step(actor=actor, run=run, step_id=options["step"], reason=options["reason"] or "")
            data = services.run_dict(run)
        self._out(options, data)

    def _close(self, options: dict[str, Any]) -> None:
        actor = cli_actor(options["as_email"], options["reason"])
        with transaction.atomic():
            run = services.get_run(options["run"])
            services.close_run(actor=actor, run=run)
            data = services.run_dict(run)
        self._out(options, data)
