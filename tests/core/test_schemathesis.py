"""schemathesis over the OpenAPI document, in-process against the WSGI app, with a write
token (an admin's) and a bounded number of examples per operation: no answer may be a
5xx, none may contradict the document (body schema, status code, content type). Also:
the document's schema names are unique and every operation lists its 4xx answers."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from prodops.accounts.models import ApiToken, hash_token
from prodops.core.api_errors import ERROR_STATUSES

# Per operation. About a minute for the whole document on a loaded 2-core machine.
MAX_EXAMPLES = 6
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@pytest.fixture
def admin_token(transactional_db: Any, django_user_model: Any) -> str:
    from tests.catalog.conftest import catalog

    catalog.__wrapped__(transactional_db)  # a few people, teams and products to hit
    user = django_user_model.objects.create_superuser("fuzz", "fuzz@example.com", "pw")
    raw = ApiToken.generate()
    ApiToken.objects.create(user=user, name="fuzz", prefix=raw[:10], token_hash=hash_token(raw))
    return raw


def _schema() -> Any:
    from prodops.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


def test_no_5xx_and_no_answer_against_the_document(admin_token):
    schema = _schema()
    headers = {"Authorization": f"Bearer {admin_token}"}
    failures: list[str] = []
    statuses: dict[int, int] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,  # the same examples every run: a failure reproduces
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except Exception as error:  # collect every operation's failure, then report all
            failures.append(f"{operation.label}: {str(error).strip()[:1500]}")
    print(f"schemathesis: {operations} operations, answers by status {sorted(statuses.items())}")
    assert operations > 50
    assert sum(statuses.values()) >= operations * 2  # the cases really were sent
    assert sum(n for status, n in statuses.items() if status < 300) > operations / 2  # and got through
    assert not failures, "\n\n".join(failures)


@pytest.mark.django_db
def test_schema_names_are_unique_and_every_operation_lists_its_errors(client):
    from pydantic import BaseModel

    from prodops.api import api

    document = client.get("/api/v1/openapi.json").json()
    # Every model an operation uses, with its nested models: two with one name would be
    # documented as one (knowledge's and warranty's EstimateOut were).
    seen: dict[str, set[str]] = {}

    def visit(model: Any) -> None:
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return
        key = f"{model.__module__}.{model.__qualname__}"
        names = seen.setdefault(model.__name__, set())
        if key in names:
            return
        names.add(key)
        for field in model.model_fields.values():
            for arg in _types(field.annotation):
                visit(arg)

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.models, *operation.response_models.values()]:
                    visit(model)
    shared = {
        name: keys
        for name, keys in seen.items()
        if len(keys) > 1 and not name.startswith(("Input", "Response"))
    }
    assert not shared, shared
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            missing = set(ERROR_STATUSES) - set(operation["responses"])
            assert not missing, f"{method.upper()} {path} does not list {sorted(missing)}"


def _types(annotation: Any) -> list[Any]:
    from typing import get_args

    found = [annotation]
    for arg in get_args(annotation):
        found.extend(_types(arg))
    return found
