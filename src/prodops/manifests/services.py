"""Validate, apply and export config-as-code documents (``apiVersion: prodops/v1``).

The kinds themselves live in the apps that own the data and register through
``prodops.manifests.registry``; this module only knows the envelope (apiVersion, kind,
metadata, spec), the order of application, and how to turn errors into messages that
name the file, the document, the line and the field.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import yaml
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, ValidationError, create_model
from pydantic.json_schema import models_json_schema

from prodops.core.actors import Actor
from prodops.manifests import registry
from prodops.manifests.models import ManagedField
from prodops.manifests.parsing import LocatedError, RawDocument, parse

API_VERSION = "prodops/v1"
ENVELOPE_FIELDS = ("apiVersion", "kind", "metadata", "spec")


class ManifestErrors(Exception):
    """One or more located errors; nothing was applied."""

    def __init__(self, errors: list[LocatedError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class ValidDocument:
    raw: RawDocument
    document: registry.Document
    kind: registry.Kind

    @property
    def label(self) -> str:
        return f"{self.kind.name} {self.document.key}"


@dataclass(frozen=True)
class Result:
    kind: str
    key: str
    outcome: registry.Outcome

    def __str__(self) -> str:
        return f"{self.kind.lower()}/{self.key} {self.outcome}"


def metadata_model(kind: registry.Kind) -> type[BaseModel]:
    model = getattr(kind, "metadata_model", None)
    if model is not None:
        return model
    return _default_metadata_model(kind.key_field)


_default_models: dict[str, type[BaseModel]] = {}


def _default_metadata_model(key_field: str) -> type[BaseModel]:
    if key_field not in _default_models:
        fields: dict[str, Any] = {key_field: (str, ...), "name": (str, "")}
        _default_models[key_field] = create_model(
            f"Metadata_{key_field}", __config__=ConfigDict(extra="forbid"), **fields
        )
    return _default_models[key_field]


def parse_sources(sources: list[tuple[str, str]]) -> list[RawDocument]:
    """``sources`` is a list of (name, text). Syntax errors of every source, and sources
    with no document at all, are collected."""
    documents: list[RawDocument] = []
    errors: list[LocatedError] = []
    for name, text in sources:
        try:
            found = parse(text, name)
        except LocatedError as exc:
            errors.append(exc)
            continue
        if not found:
            # An empty file (or only comments, or ``---``) is a mistake, never "nothing to do".
            errors.append(LocatedError(name, 0, 0, "", "no documents"))
        documents.extend(found)
    if errors:
        raise ManifestErrors(errors)
    return documents


def _close(word: str, choices: list[str]) -> str:
    match = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _pydantic_errors(
    raw: RawDocument, prefix: str, exc: ValidationError, model: Any, label: str
) -> list[LocatedError]:
    errors = []
    for err in exc.errors():
        loc = [str(part) for part in err["loc"]]
        path = ".".join([prefix, *loc]) if prefix else ".".join(loc)
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            allowed = _allowed_fields(model, loc[:-1])
            message = f"unknown field{_close(loc[-1], allowed)}; allowed: {', '.join(allowed)}"
        elif err["type"] == "missing":
            message = "required field is missing"
        elif err["type"] == "value_error":  # a validator's own message, without pydantic's prefix
            message = message.removeprefix("Value error, ")
        errors.append(raw.error(path, message, label))
    return errors


def _allowed_fields(model: Any, loc: list[str]) -> list[str]:
    """The field names of the (nested) model at ``loc``, for "did you mean" hints."""
    current = model
    for part in loc:
        if part.isdigit():
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        current = _model_of(fields[part].annotation)
    fields = getattr(current, "model_fields", None)
    return sorted(fields) if fields else []


def _model_of(annotation: Any) -> Any:
    """The pydantic model inside ``X``, ``X | None`` or ``list[X]``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def validate(raw_documents: list[RawDocument]) -> list[ValidDocument]:
    """Check every document against its kind; collect every error before raising."""
    valid: list[ValidDocument] = []
    errors: list[LocatedError] = []
    seen: dict[tuple[str, str], RawDocument] = {}
    known = [k.name for k in registry.kinds()]
    for raw in raw_documents:
        data = raw.data
        if not isinstance(data, dict):
            errors.append(raw.error("", f"a document must be a mapping with {', '.join(ENVELOPE_FIELDS)}"))
            continue
        doc_errors: list[LocatedError] = []
        for key in data:
            if key not in ENVELOPE_FIELDS:
                doc_errors.append(
                    raw.error(
                        str(key),
                        f"unknown field{_close(str(key), list(ENVELOPE_FIELDS))}; "
                        f"allowed: {', '.join(ENVELOPE_FIELDS)}",
                    )
                )
        if data.get("apiVersion") != API_VERSION:
            got = data.get("apiVersion")
            doc_errors.append(
                raw.error(
                    "apiVersion",
                    "required field is missing" if got is None else f"must be {API_VERSION!r}, not {got!r}",
                )
            )
        kind_name = data.get("kind")
        kind = registry.get_kind(kind_name) if isinstance(kind_name, str) else None
        if kind is None:
            what = "required field is missing" if kind_name is None else f"unknown kind {kind_name!r}"
            hint = _close(str(kind_name), known) if kind_name is not None else ""
            doc_errors.append(raw.error("kind", f"{what}{hint}; known kinds: {', '.join(known)}"))
            errors.extend(doc_errors)
            continue
        metadata, spec = None, None
        meta_model = metadata_model(kind)
        meta_data = data.get("metadata")
        if meta_data is None:
            doc_errors.append(raw.error("metadata", "required field is missing"))
        elif not isinstance(meta_data, dict):
            doc_errors.append(raw.error("metadata", "must be a mapping"))
        else:
            try:
                metadata = meta_model.model_validate(meta_data).model_dump()
            except ValidationError as exc:
                doc_errors.extend(_pydantic_errors(raw, "metadata", exc, meta_model, kind.name))
        key = meta_data.get(kind.key_field) if isinstance(meta_data, dict) else None
        label = f"{kind.name} {key}" if isinstance(key, str) and key else kind.name
        spec_data = data.get("spec")
        if spec_data is None:
            spec_data = {}
        if not isinstance(spec_data, dict):
            doc_errors.append(raw.error("spec", "must be a mapping", label))
        else:
            try:
                spec = kind.spec_model.model_validate(spec_data)
            except ValidationError as exc:
                doc_errors.extend(_pydantic_errors(raw, "spec", exc, kind.spec_model, label))
        if doc_errors or metadata is None or spec is None:
            for error in doc_errors:
                error.label = error.label or label
            errors.extend(doc_errors)
            continue
        document = registry.Document(kind=kind.name, metadata=metadata, spec=spec)
        identity = (kind.name, document.key)
        if identity in seen:
            first = seen[identity]
            errors.append(
                raw.error(
                    f"metadata.{kind.key_field}",
                    f"{kind.name} {document.key!r} is already defined in "
                    f"{first.source}, document {first.number}",
                    label,
                )
            )
            continue
        seen[identity] = raw
        valid.append(ValidDocument(raw=raw, document=document, kind=kind))
    if errors:
        raise ManifestErrors(errors)
    return valid


def apply(
    documents: list[ValidDocument],
    *,
    actor: Actor,
    dry_run: bool,
    options: registry.ApplyOptions | None = None,
) -> list[Result]:
    """Apply in kind order (people, teams, standards, products), then file order.

    Without ``options.prune`` only what the files state changes; with it, each object is
    made to match its document and what that removes is listed in ``options.deleted``.
    The caller owns the transaction, and rolls it back on a dry run or on error."""
    options = options or registry.ApplyOptions()
    ordered = sorted(enumerate(documents), key=lambda item: (item[1].kind.order, item[0]))
    results: list[Result] = []
    for _, valid in ordered:
        extra: dict[str, Any] = {"options": options} if getattr(valid.kind, "handles_prune", False) else {}
        try:
            outcome = valid.kind.apply(valid.document, actor=actor, dry_run=dry_run, **extra)
        except registry.ManifestError as exc:
            path = exc.field
            if path and not path.startswith(ENVELOPE_FIELDS):
                path = f"spec.{path}"
            raise ManifestErrors([valid.raw.error(path, exc.message, valid.label)]) from None
        results.append(Result(valid.kind.name, valid.document.key, outcome))
        if not dry_run:
            _record_managed(valid)
    return results


def _record_managed(valid: ValidDocument) -> None:
    """Remember which spec fields this file states for the object, so the web can warn
    before someone edits them by hand (the next apply of the file sets them back)."""

    kind, key = valid.kind.name, valid.document.key
    stated = sorted(valid.document.spec.model_fields_set)
    ManagedField.objects.filter(kind=kind, key=key, source=valid.raw.source).exclude(
        field__in=stated
    ).delete()
    now = timezone.now()
    for field in stated:
        ManagedField.objects.update_or_create(
            kind=kind, key=key, field=field, defaults={"source": valid.raw.source, "applied_at": now}
        )


def export_documents() -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    for kind in registry.kinds():
        documents.extend(kind.export())
    return documents


def dump_yaml(documents: list[dict[str, Any]]) -> str:
    if not documents:
        return ""
    return yaml.safe_dump_all(
        documents, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )


def _json_default(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def dump_json(documents: list[dict[str, Any]]) -> str:
    return json.dumps(documents, indent=2, ensure_ascii=False, default=_json_default) + "\n"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of one document, built from each kind's pydantic models."""

    kinds = registry.kinds()
    models: list[tuple[type[BaseModel], Any]] = []
    for kind in kinds:
        models.append((metadata_model(kind), "validation"))
        models.append((kind.spec_model, "validation"))
    refs, top = models_json_schema(models, ref_template="#/$defs/{model}")
    variants = []
    for kind in kinds:
        variant: dict[str, Any] = {
            "title": kind.name,
            "type": "object",
            "additionalProperties": False,
            "required": ["apiVersion", "kind", "metadata"],
            "properties": {
                "apiVersion": {"const": API_VERSION},
                "kind": {"const": kind.name},
                "metadata": refs[(metadata_model(kind), "validation")],
                "spec": refs[(kind.spec_model, "validation")],
            },
        }
        if getattr(kind, "description", ""):
            variant["description"] = kind.description  # type: ignore[attr-defined]
        variants.append(variant)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://prodops.dev/schema/prodops-v1.json",
        "title": "ProdOps config-as-code document (apiVersion prodops/v1)",
        "description": "One document of a multi-document YAML file; the field `kind` selects the shape.",
        "oneOf": variants,
        "$defs": top.get("$defs", {}),
    }
