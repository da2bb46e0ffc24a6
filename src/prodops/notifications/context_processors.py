"""The unread count shown beside "Notifications" in the top bar."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from prodops.notifications.models import Delivery


def unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "email", ""):
        return {}

    def count() -> int:
        return Delivery.objects.filter(
            person__email__iexact=user.email, medium=Delivery.Medium.INAPP, read_at__isnull=True
        ).count()

    return {"notifications_unread": count}
