"""A number given for a date is refused, never read as seconds since 1970 (``go_live: 0``
was stored as 1970-01-01), and a source with no documents is an error, never a silent
exit 0. Through the CLI (exit 2 naming file, line and field), the API (422 naming the
field), and for every date and time field of every input model."""

from __future__ import annotations

import typing
from datetime import date, datetime

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from prodops.api import api as ninja_api
from prodops.catalog.models import Product
from prodops.manifests import registry
from tests.manifests.conftest import catalog_counts

pytestmark = pytest.mark.django_db

PEOPLE = (
    "apiVersion: prodops/v1\nkind: Person\nmetadata: {email: alice@example.com}\n---\n"
    "apiVersion: prodops/v1\nkind: Person\nmetadata: {email: bob@example.com}\n---\n"
)
PRODUCT = (
    "apiVersion: prodops/v1\nkind: Product\nmetadata: {{slug: pay, name: Pay}}\nspec:\n"
    "  owners: {{build_lead: alice@example.com, run_lead: bob@example.com}}\n"
    "  go_live: {go_live}\n"
)
GO_LIVE_LINE = PEOPLE.count("\n") + 6


@pytest.mark.parametrize("value", ["0", "1700000000", "-1", "1.5", "true", "'0'", "'1700000000'", "1e3"])
def test_a_number_for_go_live_is_exit_2_naming_file_line_and_field(prodops, tmp_path, value):
    path = tmp_path / "products.yaml"
    path.write_text(PEOPLE + PRODUCT.format(go_live=value))
    before = catalog_counts()
    code, _out, err = prodops("apply", "-f", str(path))
    assert code == 2, err
    assert f"{path}:{GO_LIVE_LINE}:" in err
    assert "field spec.go_live: must be a date such as 2026-05-01" in err
    assert "Traceback" not in err
    assert catalog_counts() == before


def test_a_real_date_still_applies(prodops, tmp_path):
    path = tmp_path / "products.yaml"
    path.write_text(PEOPLE + PRODUCT.format(go_live="2026-05-01"))
    code, _out, err = prodops("apply", "-f", str(path))
    assert code == 0, err
    assert Product.objects.get(slug="pay").go_live == date(2026, 5, 1)


def test_a_number_for_a_documents_reviewed_date_names_its_line(prodops, tmp_path):
    path = tmp_path / "products.yaml"
    text = (
        PEOPLE
        + PRODUCT.format(go_live="2026-05-01")
        + ("  docs:\n    - {kind: runbook, title: R, url: 'https://wiki.example.com/r', reviewed: 0}\n")
    )
    path.write_text(text)
    code, _out, err = prodops("apply", "-f", str(path))
    assert code == 2
    assert f"{path}:{GO_LIVE_LINE + 2}:" in err and "field spec.docs.0.reviewed:" in err
    assert not Product.objects.exists()


# --- every date and time field of every input model ---------------------------------------


def _models(annotation: typing.Any) -> list[type[BaseModel]]:
    found = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found.append(annotation)
    for arg in typing.get_args(annotation):
        found += _models(arg)
    return found


def _has_time(annotation: typing.Any) -> bool:
    return annotation in (date, datetime) or any(_has_time(a) for a in typing.get_args(annotation))


def _time_fields() -> dict[str, typing.Any]:
    """``model.field`` → a TypeAdapter of the field, for every date or datetime field of
    the manifest kinds (and their product sections) and of every API operation's input."""
    # (where, model): an operation's query parameters are all one model class name
    # (``QueryParams``), so each field is named by where it was found as well.
    roots: list[tuple[str, type[BaseModel]]] = []
    for kind in registry.kinds():
        roots.append((kind.name, kind.spec_model))
        roots += [(kind.name, m) for m in _models(getattr(kind, "metadata_model", None))]
    for section in registry.product_sections():
        roots += [(f"Product.{section.name}", m) for m in _models(section.value_model)]
    ninja_api.get_openapi_schema()  # builds every operation's models
    for _prefix, router in ninja_api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                roots += [(f"{','.join(operation.methods)} {path}", m) for m in operation.models]
    fields: dict[str, typing.Any] = {}
    seen: set[tuple[str, type[BaseModel]]] = set()
    while roots:
        where, model = roots.pop()
        if (where, model) in seen:
            continue
        seen.add((where, model))
        for name, info in model.model_fields.items():
            if _has_time(info.annotation):
                annotated = (
                    typing.Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
                )
                fields[f"{where}: {model.__qualname__}.{name}"] = TypeAdapter(annotated)
            roots += [(where, m) for m in _models(info.annotation)]
    return fields


FIELDS = _time_fields()


def test_the_walk_finds_the_date_fields():
    names = {name.rsplit(".", 1)[1] for name in FIELDS}
    assert {"go_live", "reviewed", "expires_at", "next_review", "due", "start", "observed_at"} <= names
    assert "GET /products/{slug}/outcomes: QueryParams.as_of" in FIELDS
    assert "GET /products/{slug}/dora: QueryParams.as_of" in FIELDS


@pytest.mark.parametrize("name", sorted(FIELDS))
@pytest.mark.parametrize("value", [0, 86400, True, 1.5, "0", "1700000000"])
def test_every_date_field_refuses_a_number(name, value):
    with pytest.raises(ValidationError, match="not "):
        FIELDS[name].validate_python(value)


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_every_date_field_refuses_a_date_out_of_range(name):
    with pytest.raises(ValidationError, match="must be between 1900 and 2999"):
        FIELDS[name].validate_python("0001-01-01")


# --- sources with no documents -----------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "---\n# nothing\n---\n", "[]\n"])
def test_a_file_with_no_documents_is_exit_2(prodops, tmp_path, text):
    path = tmp_path / "empty.yaml"
    path.write_text(text)
    code, out, err = prodops("apply", "-f", str(path))
    assert code == 2
    assert f"{path}: no documents" in err
    assert "Applied" not in out


def test_each_empty_file_is_named_and_nothing_is_applied(prodops, tmp_path):
    good = tmp_path / "people.yaml"
    good.write_text(PEOPLE)
    empty = tmp_path / "empty.yaml"
    empty.write_text("# todo\n")
    code, _out, err = prodops("apply", "-f", str(good), "-f", str(empty))
    assert code == 2 and f"{empty}: no documents" in err
    assert catalog_counts()["Person"] == 0


def test_a_folder_of_empty_files_or_no_manifests_is_exit_2(prodops, tmp_path):
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "README.txt").write_text("not a manifest")
    code, _out, err = prodops("apply", "-f", str(folder))
    assert code == 2 and "no *.yaml, *.yml or *.json files" in err
    (folder / "a.yaml").write_text("---\n")
    code, _out, err = prodops("apply", "-f", str(folder))
    assert code == 2 and f"{folder / 'a.yaml'}: no documents" in err
