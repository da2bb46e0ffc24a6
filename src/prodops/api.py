"""The one NinjaAPI. Each domain app's ``api.router`` is attached here, once."""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from ninja import NinjaAPI

from prodops.accounts.auth import api_auth

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

for _app in settings.PRODOPS_APPS:
    if find_spec(f"{_app}.api") is not None:
        _module = import_module(f"{_app}.api")
        _router = getattr(_module, "router", None)
        if _router is not None:
            api.add_router(getattr(_module, "PREFIX", ""), _router)
