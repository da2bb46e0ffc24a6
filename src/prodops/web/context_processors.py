"""Template context for every page: how much is waiting on the signed-in person."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def waiting(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "htmx", False):
        return {}
    from prodops.web.waiting import count_for

    return {"waiting_count": count_for(user)}
