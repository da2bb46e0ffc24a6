"""``prodops events import FILE`` and ``prodops events unmapped``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from prodops.core.actors import Actor
from prodops.events import services
from prodops.events.formats import LineError, parse_rows, read_csv, read_ndjson
from prodops.events.integrations import PARSERS, get_parser
from prodops.events.records import Record, RecordError


class Progress:
    """A one-line progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, stream: TextIO, total: int, label: str) -> None:
        self.stream, self.total, self.label = stream, max(total, 1), label
        self.last = 0.0

    def update(self, done: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < 0.1:
            return
        self.last = now
        width = 30
        filled = int(width * done / self.total)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{self.total}")
        self.stream.flush()

    def close(self) -> None:
        self.update(self.total, force=True)
        self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Events: `import FILE` reads CSV or NDJSON in ProdOps' format (or, with --source, "
        "recorded webhook deliveries), all or nothing; `unmapped` lists events with no product."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        imp = sub.add_parser(
            "import",
            help="Import events from a file, all or nothing (exit 2 and every bad line reported).",
            description=(
                "Import a CSV or NDJSON file of events in ProdOps' format (docs/events.md), or, "
                "with --source, an NDJSON file of recorded webhook deliveries, one per line as "
                '{"event": ..., "delivery": ..., "payload": {...}}. Nothing is stored unless '
                "every line is good."
            ),
        )
        imp.add_argument("file", help="Path of the file (.csv, .ndjson or .jsonl).")
        imp.add_argument(
            "--source",
            choices=sorted(PARSERS),
            help="Replay recorded deliveries of this webhook source through its parser.",
        )
        imp.add_argument(
            "--format", choices=["csv", "ndjson"], help="Override the format the extension implies."
        )
        lst = sub.add_parser("unmapped", help="List events that could not be mapped to a product.")
        lst.add_argument("--kind", choices=sorted(services.MODELS), help="Only this kind of event.")
        lst.add_argument("--limit", type=int, default=50)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "unmapped":
            self._unmapped(options)
        else:
            self._import(options)

    def _unmapped(self, options: dict[str, Any]) -> None:
        counts = services.unmapped_counts()
        self.stdout.write("Unmapped events: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        for row in services.unmapped(kind=options["kind"], limit=options["limit"]):
            ident, at = row["external_id"][:40], row["at"][:19]
            self.stdout.write(f"  {at}  {row['kind']:<10} {row['source']:<9} {ident:<40} {row['origin']}")

    def _fail(self, path: Path, errors: list[LineError]) -> None:
        for error in errors:
            where = f"{path}:{error.line}" + (f": field {error.field!r}" if error.field else "")
            self.stderr.write(f"{where}: {error.message}")
        raise CommandError(f"{path}: {len(errors)} bad line(s); nothing was imported", returncode=2)

    def _import(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{path}: cannot read: {error}", returncode=2) from None
        fmt = options["format"] or ("csv" if path.suffix.lower() == ".csv" else "ndjson")
        actor = Actor.cli()
        stream: Any = getattr(self.stderr, "_out", self.stderr)
        if options["source"]:
            self._replay(path, text, options["source"], actor, stream)
            return
        rows = list(read_csv(text) if fmt == "csv" else read_ndjson(text.splitlines()))
        progress = Progress(stream, len(rows), f"validating {path.name}")
        records, errors = parse_rows(_tick(rows, progress))
        progress.close()
        if errors:
            self._fail(path, errors)
        try:
            with transaction.atomic():
                batch = services.ingest(records=records, actor=actor, description=f"import {path.name}")
        except services.IngestError as error:
            self._fail(path, error.errors)
        counts = ", ".join(f"{v} {k}" for k, v in batch.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Imported {len(records)} events from {path}: {counts}."))

    def _replay(self, path: Path, text: str, source: str, actor: Actor, stream: Any) -> None:
        parser = get_parser(source)
        deliveries: list[tuple[int, str, str, dict[str, Any]]] = []
        errors: list[LineError] = []
        rows = list(read_ndjson(text.splitlines()))
        progress = Progress(stream, len(rows), f"checking {path.name}")
        for number, data in _tick(rows, progress):
            if isinstance(data, LineError):
                errors.append(data)
                continue
            try:
                event, delivery, payload = services.parse_replay_line(data)
                records: list[Record] = parser.parse(event or parser.event_name({}, payload), payload)
                del records  # parsed only to find bad lines before anything is stored
            except RecordError as error:
                errors.append(LineError(number, error.field, error.message))
                continue
            except (KeyError, TypeError, AttributeError, ValueError) as error:
                errors.append(LineError(number, "payload", f"cannot read this delivery: {error}"))
                continue
            deliveries.append((number, event or parser.event_name({}, payload), delivery, payload))
        progress.close()
        if errors:
            self._fail(path, errors)
        applied = duplicates = 0
        progress = Progress(stream, len(deliveries), f"replaying {path.name}")
        try:
            with transaction.atomic():
                for done, (number, event, delivery, payload) in enumerate(deliveries, start=1):
                    try:
                        result = services.receive_delivery(
                            source=source,
                            event=event,
                            delivery_id=delivery,
                            payload=payload,
                            actor=actor,
                            body=json.dumps(payload, sort_keys=True).encode(),
                        )
                    except services.IngestError as error:
                        raise services.IngestError(
                            [LineError(number, e.field, e.message) for e in error.errors]
                        ) from None
                    duplicates += result.duplicate
                    applied += not result.duplicate
                    progress.update(done)
        except services.IngestError as error:
            self._fail(path, error.errors)
        progress.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Replayed {applied} {source} deliveries from {path} ({duplicates} seen before)."
            )
        )


def _tick(rows: list[Any], progress: Progress) -> Any:
    for done, row in enumerate(rows, start=1):
        progress.update(done)
        yield row
