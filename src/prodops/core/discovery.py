"""Find optional modules (``demo``, ``facts``, ...) in the ProdOps apps, in app order."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from django.conf import settings


def app_modules(name: str) -> Iterator[ModuleType]:
    for app in settings.PRODOPS_APPS:
        if find_spec(f"{app}.{name}") is not None:
            yield import_module(f"{app}.{name}")
