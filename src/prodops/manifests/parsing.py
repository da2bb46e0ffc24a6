"""Parse multi-document YAML (or JSON) manifests, keeping the line of every field.

Plain Python (PyYAML only, no Django): the composer gives each node a start mark, so we
walk the node tree next to the constructed data and remember where each dotted path
(``spec.owners.run_lead``, ``spec.slos.0.name``) was written. Errors can then name the
line of the very field that is wrong, or of its closest written parent when the field
is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

# libyaml's parser, when PyYAML was built with it, is several times faster; both keep marks.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class LocatedError(Exception):
    """An error at a place in a manifest: file, document number (1-based), line, field."""

    source: str
    document: int
    line: int
    field: str
    message: str
    label: str = ""  # e.g. "Product payments-api", when known

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}: document {self.document}"
        if self.label:
            where += f" ({self.label})"
        what = f"field {self.field}: " if self.field else ""
        return f"{where}: {what}{self.message}"


@dataclass
class RawDocument:
    source: str
    number: int  # 1-based position in its source
    line: int  # 1-based line where the document starts
    data: Any
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, path: str) -> int:
        """The line of ``path``, or of its nearest parent that was written."""
        parts = path.split(".") if path else []
        while parts:
            key = ".".join(parts)
            if key in self.lines:
                return self.lines[key]
            parts.pop()
        return self.line

    def error(self, path: str, message: str, label: str = "") -> LocatedError:
        return LocatedError(self.source, self.number, self.line_of(path), path, message, label)


def _walk(node: yaml.Node, path: str, lines: dict[str, int], raw: RawDocument) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in seen:
                raise LocatedError(
                    raw.source, raw.number, key_node.start_mark.line + 1, child, "duplicate key"
                )
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines, raw)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = f"{path}.{index}" if path else str(index)
            lines[child] = item.start_mark.line + 1
            _walk(item, child, lines, raw)


def parse(text: str, source: str) -> list[RawDocument]:
    """Every non-empty document of ``text``. A document that is a list (as written by
    ``prodops export --format json``) stands for one document per item.

    Raises LocatedError for YAML syntax errors and duplicate keys."""
    loader = _Loader(text)
    documents: list[RawDocument] = []
    number = 0
    try:
        while loader.check_node():
            number += 1
            node = loader.get_node()
            if node is None:
                continue
            if isinstance(node, yaml.SequenceNode):
                for item in node.value:
                    documents.append(_document(loader, item, source, number))
                    number += 1
                number -= 1
                continue
            document = _document(loader, node, source, number)
            if document.data is not None:  # an empty document, e.g. after a trailing ---
                documents.append(document)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise LocatedError(source, max(number, 1), line, "", f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        raise LocatedError(source, max(number, 1), 1, "", f"YAML error: {exc}") from None
    finally:
        loader.dispose()
    return documents


def _document(loader: Any, node: yaml.Node, source: str, number: int) -> RawDocument:
    raw = RawDocument(source=source, number=number, line=node.start_mark.line + 1, data=None)
    _walk(node, "", raw.lines, raw)
    raw.data = loader.construct_document(node)
    return raw
