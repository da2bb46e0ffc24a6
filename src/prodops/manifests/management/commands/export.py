from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from prodops.manifests import services


class Command(BaseCommand):
    help = (
        "Write the whole catalog as config-as-code documents (the format `prodops apply` reads); "
        "export, apply into an empty database and export again gives the same text."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml", help="Default: yaml.")
        parser.add_argument("-o", "--output", metavar="FILE", help="Write to FILE instead of stdout.")

    def handle(self, *args: Any, **options: Any) -> None:
        documents = services.export_documents()
        text = services.dump_json(documents) if options["format"] == "json" else services.dump_yaml(documents)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:  # noqa: PTH123
                out.write(text)
        else:
            self.stdout.write(text, ending="")
