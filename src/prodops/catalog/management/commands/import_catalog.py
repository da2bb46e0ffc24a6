from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from prodops.catalog import backstage
from prodops.catalog.manifest_kinds import ProductKind
from prodops.catalog.models import Person, Team
from prodops.catalog.services import team_spec
from prodops.core.actors import Actor
from prodops.manifests import services
from prodops.manifests.parsing import RawDocument
from prodops.manifests.sources import SourceError, read_sources


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Import a catalog from another tool. `import backstage PATH...` reads Backstage "
        "catalog-info.yaml files (Component, System, Group, User) and reports what it cannot map."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="source", required=True, metavar="{backstage}")
        bs = sub.add_parser(
            "backstage",
            help="Backstage catalog-info.yaml files or folders of them.",
            description=(
                "Component → Product (lifecycle experimental → build, production → operate, "
                "deprecated → retire), Group (type team) → Team, User → Person, System → a "
                "system:<name> tag. Leads come from the annotations prodops.io/build-lead and "
                "prodops.io/run-lead (or --build-lead/--run-lead); a user owner is the build lead."
            ),
        )
        bs.add_argument("paths", nargs="+", metavar="PATH", help="A file, a folder, or - for stdin.")
        bs.add_argument("--build-lead", metavar="EMAIL", help="Build lead for components that name none.")
        bs.add_argument("--run-lead", metavar="EMAIL", help="Run lead for components that name none.")
        bs.add_argument("--dry-run", action="store_true", help="Show what would change; change nothing.")
        bs.add_argument(
            "--print",
            action="store_true",
            help="Print the ProdOps documents (YAML) instead of applying them.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            sources = read_sources(options["paths"])
            entities, notes = backstage.read_entities(sources)
        except (SourceError, backstage.BackstageSyntaxError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        mapping = backstage.map_entities(
            entities,
            existing_people=dict(Person.objects.values_list("email", "name")),
            existing_teams={
                t.slug: team_spec(t).model_dump(mode="json") for t in Team.objects.prefetch_related("members")
            },
            # Whole current documents, sections included, so that what Backstage does
            # not describe (stage, SLOs, docs ...) is kept.
            existing_products={
                doc["metadata"]["slug"]: doc.get("spec", {}) for doc in ProductKind().export()
            },
            default_build_lead=options["build_lead"],
            default_run_lead=options["run_lead"],
        )
        skipped = notes + mapping.skipped
        if options["print"]:
            self.stdout.write(services.dump_yaml(mapping.documents), ending="")
            self._report(skipped, mapping.partial, out=self.stderr)
            self._exit_if_skipped(skipped)
            return
        raws = [
            RawDocument(source=o.source, number=o.document, line=o.line, data=d)
            for d, o in zip(mapping.documents, mapping.origins, strict=True)
        ]
        dry_run: bool = options["dry_run"]
        results: list[services.Result] = []
        try:
            documents = services.validate(raws)
            with transaction.atomic():
                results = services.apply(documents, actor=Actor.cli("import backstage"), dry_run=dry_run)
                if dry_run:
                    raise _Rollback
        except _Rollback:
            pass
        except services.ManifestErrors as exc:
            raise CommandError(
                "nothing imported: these entities map to invalid ProdOps objects\n"
                + "\n".join(str(e) for e in exc.errors),
                returncode=2,
            ) from None
        suffix = " (dry run)" if dry_run else ""
        for result in results:
            self.stdout.write(f"{result}{suffix}")
        counts = {o: sum(1 for r in results if r.outcome == o) for o in ("created", "updated", "unchanged")}
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{verb} {len(results)} object(s): " + ", ".join(f"{n} {o}" for o, n in counts.items())
        )
        self._report(skipped, mapping.partial, out=self.stdout)
        self._exit_if_skipped(skipped)

    def _exit_if_skipped(self, skipped: list[backstage.Note]) -> None:
        # Exit 0 only when every entity was imported; 1 when some were not (the report
        # lists them); 2 is bad input. A CI job must not read success from a partial import.
        if skipped:
            noun = "entity was" if len(skipped) == 1 else "entities were"
            self.stderr.write(f"{len(skipped)} {noun} not imported (see the report)")
            raise SystemExit(1)

    def _report(self, skipped: list[backstage.Note], partial: list[backstage.Note], *, out: Any) -> None:
        if skipped:
            out.write(f"Not imported ({len(skipped)}):")
            for note in sorted(skipped, key=lambda n: (n.source, n.document)):
                out.write(f"  {note}")
        if partial:
            out.write(f"Imported without some fields ({len(partial)}):")
            for note in sorted(partial, key=lambda n: (n.source, n.document)):
                out.write(f"  {note}")
