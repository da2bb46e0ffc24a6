"""The one NinjaAPI. Each domain app's ``api.router`` is attached here, once."""

import functools
from collections.abc import Callable
from importlib import import_module
from importlib.util import find_spec
from typing import Any

import pydantic
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import HttpError
from ninja.params.models import QueryModel

from prodops.accounts.auth import api_auth
from prodops.core.api_errors import ProdOpsNinjaAPI, StrictParser
from prodops.core.errors import InvalidInput, NotFound, ProdOpsError, StaleVersion
from prodops.core.middleware import error_code

api = ProdOpsNinjaAPI(
    title="ProdOps API",
    version="1",
    description=(
        "Products, their owners, readiness, knowledge and events. Authenticate with "
        "`Authorization: Bearer <token>` (create one with `prodops token create EMAIL`)."
    ),
    auth=api_auth,
    urls_namespace="api-v1",
    parser=StrictParser(),
)


@api.exception_handler(ProdOpsError)
def _prodops_error(request: HttpRequest, exc: ProdOpsError) -> HttpResponse:
    """Every error of the hierarchy, mapped once: 422 as django-ninja's list of located
    errors, the others as ``{"detail", "code"}`` (plus ``loc`` when a field is named)."""
    status = exc.status
    if exc.where == "body" and exc.field and exc.field.split(".")[0] in request.GET:
        # A service names its input ("gate", "window"); when the request carried it in
        # the query string, say so (strict_query lets only declared parameters through).
        exc.where = "query"
    param = _path_parameter(request, exc.field) if exc.where == "body" else None
    if param:
        # ... and when it came in the URL path ("run" for ``{run_id}``), name the path
        # parameter: a 404 for an unknown slug is ``["path", "slug"]``, never ``body``.
        exc.where, exc.field = "path", param
    if isinstance(exc, InvalidInput):
        body: dict[str, object] = {"detail": [exc.as_dict()]}
    else:
        body = {"detail": exc.message, "code": exc.code, **exc.details}
        if exc.field:
            body["loc"] = exc.loc()
    if isinstance(exc, StaleVersion) and request.headers.get("If-Match", "").strip() not in {"", "*"}:
        # RFC 9110: a failed If-Match precondition is 412; a stale ``version`` in the
        # body stays 409 (a conflict with the current state).
        status = 412
    return api.create_response(request, body, status=status)


def _path_parameters(request: HttpRequest) -> dict[str, Any]:
    match = getattr(request, "resolver_match", None)
    return dict(match.kwargs) if match is not None else {}


def _path_parameter(request: HttpRequest, field: str) -> str:
    """The path parameter a service's field names: itself or ``<field>_id`` (a service
    says "run", the route ``/playbook-runs/{run_id}``); "" when the path has none."""
    head = field.split(".", maxsplit=1)[0]
    if not head:
        return ""
    params = _path_parameters(request)
    return next((name for name in (head, f"{head}_id") if name in params), "")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    """``get_object_or_404`` in an operation: the shared 404 shape, naming the path
    parameter when the route has only one (it is then the object that was not found)."""
    message = str(exc) or "Not Found"
    params = _path_parameters(request)
    field = next(iter(params)) if len(params) == 1 else ""
    return _prodops_error(request, NotFound(message, field=field, where="path"))


@api.exception_handler(pydantic.ValidationError)
def _model_error(request: HttpRequest, exc: pydantic.ValidationError) -> HttpResponse:
    """A model validated inside an operation (e.g. a PATCH merged onto the stored spec,
    ``{"kind": null}``): the same located 422 as a body that fails its schema."""
    detail = [
        {"type": e["type"], "loc": ["body", *e["loc"]], "msg": e["msg"]}
        for e in exc.errors(include_url=False, include_context=False, include_input=False)
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's HttpError, except that a body the strict parser refused (NaN, a
    NUL byte...) is the 422 naming the field that it is."""
    if isinstance(exc.__cause__, InvalidInput):
        return _prodops_error(request, exc.__cause__)
    body = {"detail": str(exc), "code": error_code(exc.status_code)}
    return api.create_response(request, body, status=exc.status_code)


def _query_names(operation: Any) -> frozenset[str]:
    """The query parameters an operation declares (flattened ``Query[Model]`` fields too)."""
    names: set[str] = set()
    for model in operation.models:
        if not issubclass(model, QueryModel):
            continue
        flat = getattr(model, "__ninja_flatten_map__", None)
        if flat:
            names |= set(flat)
        else:
            names |= {field.alias or name for name, field in model.model_fields.items()}
    return frozenset(names)


def strict_query(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """An unknown query parameter is a 422 naming it, never silently ignored: a client
    that sends ``?tag=x`` to an endpoint without that filter must not get every row."""
    operation = getattr(run, "__self__", None)
    allowed = _query_names(operation) if operation is not None else None

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if allowed is not None:
            unknown = sorted(set(request.GET) - allowed)
            if unknown:
                known = ", ".join(sorted(allowed)) or "none"
                detail = [
                    {
                        "type": "unknown_parameter",
                        "loc": ["query", name],
                        "msg": f"unknown query parameter {name!r}; this endpoint takes: {known}",
                    }
                    for name in unknown
                ]
                return api.create_response(request, {"detail": detail}, status=422)
        return run(request, *args, **kwargs)

    return wrapper


api.add_decorator(strict_query, mode="view")


for _app in settings.PRODOPS_APPS:
    if find_spec(f"{_app}.api") is not None:
        _module = import_module(f"{_app}.api")
        _router = getattr(_module, "router", None)
        if _router is not None:
            api.add_router(getattr(_module, "PREFIX", ""), _router)
