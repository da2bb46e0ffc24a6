"""Every operation of the API, sent hostile requests, answers its 4xx in the one error
envelope (docs/api.md, "Errors"):

- 422: ``{"detail": [{"type": str, "loc": ["body"|"query"|"path"|"header", ...], "msg": str}, ...]}``
- any other 4xx: ``{"detail": str, "code": str}``, with ``loc`` when it names a field;
  a 404 for something named in the URL path has ``loc: ["path", <parameter>]``.

The operations are found by walking every router of the ninja API (as
tests/accounts/test_matrix.py does), so a new endpoint is swept without a line here.
Each gets an unknown value in every path parameter (a slug-like one and a number), a
wrong-typed JSON body (an array where an object is expected) and no credential.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.core.test_api_errors import admin, catalog  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

PARAM = re.compile(r"\{(?:\w+:)?(\w+)\}")
ROOTS = {"body", "query", "path", "header"}


def operations() -> list[tuple[str, str]]:
    """Every ``(METHOD, /api/v1/path/{param})`` the API registers, of every app."""
    from prodops.api import api

    found = set()
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for method in operation.methods:
                    found.add((method, f"/api/v1{prefix}{path}"))
    return sorted(found)


def envelope_problem(response: Any, params: list[str]) -> str | None:
    """What is wrong with this answer's shape (None when it is in the envelope)."""
    status = response.status_code
    if status >= 500:
        return "a server error"
    if status < 400:
        return None
    if not response.get("Content-Type", "").startswith("application/json"):
        return f"not JSON ({response.get('Content-Type')})"
    body = response.json()
    if not isinstance(body, dict) or "detail" not in body:
        return "not an object with a detail"
    if status == 422:
        items = body["detail"]
        if not isinstance(items, list) or not items:
            return "a 422 whose detail is not a list of located errors"
        for item in items:
            if not (
                isinstance(item, dict)
                and isinstance(item.get("msg"), str)
                and isinstance(item.get("type"), str)
                and isinstance(item.get("loc"), list)
                and item["loc"]
                and item["loc"][0] in ROOTS
            ):
                return f"a 422 error that is not {{type, loc, msg}}: {item!r}"
        return None
    if not isinstance(body["detail"], str) or not body["detail"]:
        return "detail is not a message"
    if not isinstance(body.get("code"), str) or not body["code"]:
        return "no code"
    loc = body.get("loc")
    if loc is not None and (not isinstance(loc, list) or loc[:1] not in ([r] for r in ROOTS)):
        return f"loc {loc!r} names no part of the request"
    if status == 404 and len(params) == 1 and loc != ["path", params[0]]:
        return f"a 404 for the one path parameter whose loc is {loc!r}, not ['path', {params[0]!r}]"
    if status == 404 and loc is not None and loc[0] != "path" and params:
        return f"a 404 in a path with parameters whose loc is {loc!r}"
    return None


def _requests(method: str, template: str) -> list[tuple[str, str, str | None, bool]]:
    """``(label, path, body, signed in)`` for the hostile requests of one operation."""
    cases = []
    for unknown in ("no-such-thing", "999999"):
        path = PARAM.sub(unknown, template)
        cases.append((f"path={unknown}", path, None, True))
        if method not in {"GET", "HEAD"}:
            cases.append((f"path={unknown} body=[1]", path, "[1]", True))
        if PARAM.search(template) is None:
            break  # one path is enough when there is nothing in it to vary
    cases.append(("no credential", PARAM.sub("no-such-thing", template), None, False))
    return cases


def test_every_operation_answers_hostile_requests_in_the_one_envelope(admin):  # noqa: F811
    ops = operations()
    # Sanity of the walk itself: it sees every app's routers, not only a few.
    assert {"/api/v1/products/{slug}/warranty", "/api/v1/events/bulk", "/api/v1/playbook-runs/{run_id}"} <= {
        template for _method, template in ops
    }
    wrong = []
    for method, template in ops:
        params = PARAM.findall(template)
        for label, path, body, signed_in in _requests(method, template):
            client = admin if signed_in else Client()
            kwargs: dict[str, Any] = {"HTTP_IF_MATCH": "*"}
            if body is not None:
                kwargs.update(data=body, content_type="application/json")
            response = getattr(client, method.lower())(path, **kwargs)
            problem = envelope_problem(response, params)
            if problem:
                answer = f"{response.status_code} {response.content[:200]!r}"
                wrong.append(f"{method} {template} [{label}]: {problem}: {answer}")
    assert not wrong, f"{len(wrong)} answers out of the envelope:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("path", "loc"),
    [
        ("/api/v1/products/nope", ["path", "slug"]),  # catalog's own NotFound
        ("/api/v1/products/nope/readiness", ["path", "slug"]),  # get_object_or_404
        ("/api/v1/campaigns/nope", ["path", "slug"]),  # the service says "campaign"
        ("/api/v1/playbook-runs/999999", ["path", "run_id"]),  # the service says "run"
        ("/api/v1/retrospectives/999999", ["path", "pk"]),  # the service says "retrospective"
    ],
)
def test_a_404_names_the_path_parameter(admin, path, loc):  # noqa: F811
    response = admin.get(path)
    assert response.status_code == 404
    body = response.json()
    assert body["loc"] == loc
    assert body["code"] == "not_found"
    assert isinstance(body["detail"], str)
