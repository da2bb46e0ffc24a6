from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from prodops.core.actors import Actor
from prodops.manifests import services


class _Rollback(Exception):
    """Raised to roll back a dry run."""


def read_sources(paths: list[str]) -> list[tuple[str, str]]:
    """(name, text) for a file, every *.yaml/*.yml/*.json of a folder, or stdin (``-``)."""
    sources: list[tuple[str, str]] = []
    for given in paths:
        if given == "-":
            sources.append(("<stdin>", sys.stdin.read()))
            continue
        path = Path(given)
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*") if p.suffix in {".yaml", ".yml", ".json"} and p.is_file()
            )
            if not files:
                raise CommandError(f"{given}: no *.yaml, *.yml or *.json files in this folder", returncode=2)
        elif path.is_file():
            files = [path]
        else:
            raise CommandError(f"{given}: no such file or folder", returncode=2)
        for file in files:
            try:
                sources.append((str(file), file.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"{file}: cannot read: {exc}", returncode=2) from None
    return sources


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
        parser.add_argument("--actor", default="cli", help="Who to record in the audit log (default: cli).")

    def handle(self, *args: Any, **options: Any) -> None:
        sources = read_sources(options["filename"])
        dry_run: bool = options["dry_run"]
        try:
            documents = services.validate(services.parse_sources(sources))
            results: list[services.Result] = []
            try:
                with transaction.atomic():
                    results = services.apply(documents, actor=Actor.cli(options["actor"]), dry_run=dry_run)
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
        counts = {o: sum(1 for r in results if r.outcome == o) for o in ("created", "updated", "unchanged")}
        summary = ", ".join(f"{n} {o}" for o, n in counts.items())
        verb = "Would apply" if dry_run else "Applied"
        self.stdout.write(f"{verb} {len(results)} object(s): {summary}.")
