"""docs/config.md documents every field of the format (a new field fails this test)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from prodops.catalog.schemas import PersonMetadata, ProductMetadata, ProductSpec, TeamMetadata, TeamSpec
from prodops.manifests.services import _model_of

DOC = (Path(__file__).resolve().parents[2] / "docs" / "config.md").read_text()


def _paths(model: type[BaseModel], prefix: str) -> list[str]:
    paths = []
    for name, info in model.model_fields.items():
        path = f"{prefix}.{name}"
        nested = _model_of(info.annotation)
        is_list = "list[" in str(info.annotation)
        if nested is not None:
            paths.extend(_paths(nested, f"{path}[]" if is_list else path))
        else:
            paths.append(path)
    return paths


def test_every_field_is_documented():
    fields = (
        _paths(PersonMetadata, "metadata")
        + _paths(TeamMetadata, "metadata")
        + _paths(TeamSpec, "spec")
        + _paths(ProductMetadata, "metadata")
        + _paths(ProductSpec, "spec")
    )
    missing = []
    for path in fields:
        # Nested fields are documented in their parent's row, e.g. `spec.slos[]` lists `window`.
        parent, _, leaf = path.rpartition(".")
        if f"`{path}`" not in DOC and not (f"`{parent}`" in DOC and f"`{leaf}`" in DOC):
            missing.append(path)
    assert not missing, f"docs/config.md does not document: {missing}"
