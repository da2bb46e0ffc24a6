"""The one NinjaAPI. Each domain app's ``api.router`` is attached here, once."""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from prodops.accounts.auth import api_auth
from prodops.core.errors import InvalidInput, ProdOpsError

api = NinjaAPI(
    title="ProdOps API",
    version="1",
    description=(
        "Products, their owners, readiness, knowledge and events. Authenticate with "
        "`Authorization: Bearer <token>` (create one with `prodops token create EMAIL`)."
    ),
    auth=api_auth,
    urls_namespace="api-v1",
)



@api.exception_handler(ProdOpsError)
def _prodops_error(request: HttpRequest, exc: ProdOpsError) -> HttpResponse:
    """Every error of the hierarchy, mapped once: 422 as django-ninja's list of located
    errors, the others as ``{"detail", "code"}`` (plus ``loc`` when a field is named)."""
    if isinstance(exc, InvalidInput):
        body: dict[str, object] = {"detail": [exc.as_dict()]}
    else:
        body = {"detail": exc.message, "code": exc.code, **exc.details}
        if exc.field:
            body["loc"] = exc.loc()
    return api.create_response(request, body, status=exc.status)


for _app in settings.PRODOPS_APPS:
    if find_spec(f"{_app}.api") is not None:
        _module = import_module(f"{_app}.api")
        _router = getattr(_module, "router", None)
        if _router is not None:
            api.add_router(getattr(_module, "PREFIX", ""), _router)
