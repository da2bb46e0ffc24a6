"""``prodops permissions``: who may do what, as docs/permissions.md (generated from the policy)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from prodops.accounts import policy


class Command(BaseCommand):
    help = (
        "Print who may do what (every registered action, its rule, and the rules per identity) "
        "as Markdown: the text of docs/permissions.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", metavar="FILE", help="Write it to FILE (e.g. docs/permissions.md).")
        parser.add_argument(
            "--check", metavar="FILE", help="Exit 1 when FILE differs from what the policy says now."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = policy.markdown()
        if options["check"]:
            path = Path(options["check"])
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError(
                    f"{path} is out of date; run `prodops permissions --write {path}`", returncode=1
                )
            return
        if options["write"]:
            Path(options["write"]).write_text(text, encoding="utf-8")
            return
        self.stdout.write(text, ending="")
