"""Read manifest sources: a file, every *.yaml/*.yml/*.json of a folder, or stdin (``-``)."""

from __future__ import annotations

import sys
from pathlib import Path

SUFFIXES = {".yaml", ".yml", ".json"}


class SourceError(Exception):
    """A path that cannot be read; the message names it."""


def read_sources(paths: list[str]) -> list[tuple[str, str]]:
    """(name, text) for each file, folders walked in name order."""
    sources: list[tuple[str, str]] = []
    for given in paths:
        if given == "-":
            sources.append(("<stdin>", sys.stdin.read()))
            continue
        path = Path(given)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
            if not files:
                raise SourceError(f"{given}: no *.yaml, *.yml or *.json files in this folder")
        elif path.is_file():
            files = [path]
        else:
            raise SourceError(f"{given}: no such file or folder")
        for file in files:
            try:
                sources.append((str(file), file.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as exc:
                raise SourceError(f"{file}: cannot read: {exc}") from None
    return sources
