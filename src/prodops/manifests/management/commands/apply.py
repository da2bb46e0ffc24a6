from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from prodops.core.actors import Actor
from prodops.manifests import services
from prodops.manifests.registry import ApplyOptions
from prodops.manifests.sources import SourceError, read_sources


class _Rollback(Exception):
    """Raised to roll back a dry run."""


class Command(BaseCommand):
    help = (
        "Apply config-as-code documents (Person, Team, Product, ...) from a file, a folder of "
        "*.yaml files, or - for stdin. Idempotent; all or nothing; --dry-run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-f",
            "--filename",
            action="append",
            required=True,
            metavar="PATH",
            help="A YAML/JSON file, a folder (its *.yaml, *.yml, *.json), or - for stdin. Repeatable.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; change nothing.")
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Make each object match its file exactly: delete the records and clear the fields "
            "the file does not mention (listed; with --dry-run, listed and kept). Without it, "
            "records added elsewhere (documents, SLOs, links, ...) stay.",
        )
        parser.add_argument("--actor", default="cli", help="Who to record in the audit log (default: cli).")
        parser.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="Act as this person, with their role (recorded under their email), "
            "instead of as the local operator.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            sources = read_sources(options["filename"])
        except SourceError as exc:
            raise CommandError(str(exc), returncode=2) from None
        dry_run: bool = options["dry_run"]
        try:
            documents = services.validate(services.parse_sources(sources))
            results: list[services.Result] = []
            apply_options = ApplyOptions(prune=options["prune"])
            try:
                with transaction.atomic():
                    actor = (
                        Actor.person(options["as_email"])
                        if options["as_email"]
                        else Actor.cli(options["actor"])
                    )
                    results = services.apply(documents, actor=actor, dry_run=dry_run, options=apply_options)
                    if dry_run:
                        raise _Rollback
            except _Rollback:
                pass
        except services.ManifestErrors as exc:
            raise CommandError(
                f"nothing applied: {len(exc.errors)} error(s)\n" + "\n".join(str(e) for e in exc.errors),
                returncode=2,
            ) from None
        suffix = " (dry run)" if dry_run else ""
        for result in results:
            self.stdout.write(f"{result}{suffix}")
        verb_deleted = "would delete" if dry_run else "deleted"
        for what in apply_options.deleted:
            self.stdout.write(f"{verb_deleted}: {what}")
        counts = {o: sum(1 for r in results if r.outcome == o) for o in ("created", "updated", "unchanged")}
        summary = ", ".join(f"{n} {o}" for o, n in counts.items())
        verb = "Would apply" if dry_run else "Applied"
        self.stdout.write(f"{verb} {len(results)} object(s): {summary}.")
