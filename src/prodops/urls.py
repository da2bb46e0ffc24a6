"""URL configuration: the API, the admin, and every app's own ``urls`` module."""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from prodops.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# Each domain app may bring its own pages; ``prodops.web`` (the shell of the HTML
# application) comes last so that its catch-all pages never shadow an app's.
for _app in settings.PRODOPS_APPS:
    if find_spec(f"{_app}.urls") is not None:
        urlpatterns.append(path("", include(import_module(f"{_app}.urls"))))
