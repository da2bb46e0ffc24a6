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
        if not self.line:  # about the whole source, e.g. a file with no documents
            return f"{self.source}: {self.message}"
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


# Bounds on one document, so hostile YAML is refused at once instead of exhausting memory
# (an "alias bomb": nine anchors of nine aliases each expand to 387 million values in 342
# bytes) or the stack (thousands of nested brackets). Documented in docs/config.md.
MAX_DEPTH = 64
MAX_VALUES = 100_000
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


def _walk(root: yaml.Node, raw: RawDocument, loader: Any) -> None:
    """Record the line of every dotted path, refusing duplicate keys, dates that do not
    exist, and documents past ``MAX_DEPTH`` or ``MAX_VALUES`` (counting every value an
    alias repeats). Iterative: the depth of the input never reaches Python's stack."""
    lines = raw.lines
    stack: list[tuple[yaml.Node, str, int]] = [(root, "", 0)]
    values = 0
    while stack:
        node, path, depth = stack.pop()
        values += 1
        line = node.start_mark.line + 1
        if values > MAX_VALUES:
            raise LocatedError(
                raw.source,
                raw.number,
                line,
                path,
                f"more than {MAX_VALUES} values once aliases are expanded (see docs/config.md, Limits)",
            )
        if depth > MAX_DEPTH:
            raise LocatedError(
                raw.source,
                raw.number,
                line,
                path,
                f"nested deeper than {MAX_DEPTH} levels (see docs/config.md, Limits)",
            )
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            children = []
            for key_node, value_node in node.value:
                key = str(key_node.value)
                child = f"{path}.{key}" if path else key
                if key in seen:
                    raise LocatedError(
                        raw.source, raw.number, key_node.start_mark.line + 1, child, "duplicate key"
                    )
                seen.add(key)
                lines[child] = key_node.start_mark.line + 1
                children.append((value_node, child, depth + 1))
            stack.extend(reversed(children))
        elif isinstance(node, yaml.SequenceNode):
            children = []
            for index, item in enumerate(node.value):
                child = f"{path}.{index}" if path else str(index)
                lines[child] = item.start_mark.line + 1
                children.append((item, child, depth + 1))
            stack.extend(reversed(children))
        elif node.tag == _TIMESTAMP:
            # PyYAML reads 2026-13-45 as a date and fails with a bare ValueError.
            try:
                loader.construct_yaml_timestamp(node)
            except (ValueError, OverflowError) as exc:
                raise LocatedError(
                    raw.source, raw.number, line, path, f"{node.value!r} is not a valid date: {exc}"
                ) from None


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
    except RecursionError:
        # The pure-Python composer recurses per level (libyaml's does not reach this).
        raise LocatedError(
            source,
            max(number, 1),
            1,
            "",
            f"nested deeper than {MAX_DEPTH} levels (see docs/config.md, Limits)",
        ) from None
    finally:
        loader.dispose()
    return documents


def _document(loader: Any, node: yaml.Node, source: str, number: int) -> RawDocument:
    raw = RawDocument(source=source, number=number, line=node.start_mark.line + 1, data=None)
    _walk(node, raw, loader)
    try:
        raw.data = loader.construct_document(node)
    except (ValueError, TypeError, OverflowError) as exc:  # a value PyYAML cannot construct
        raise LocatedError(source, number, raw.line, "", f"cannot read this document: {exc}") from None
    return raw
