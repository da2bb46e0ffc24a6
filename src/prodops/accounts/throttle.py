"""Throttling what an anonymous visitor can repeat: sign-in (django-axes, keyed on the
normalised username and the client address) and password-reset mails (per address and
per client, counted in the database so every web process sees the same count)."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import timedelta
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from prodops.accounts.models import PasswordResetRequest


def normalise(username: str) -> str:
    """What Django signs in with (``UsernameField`` applies NFKC), case-folded: a
    fullwidth or mathematical-bold spelling of a letter is the same key as the letter."""
    return unicodedata.normalize("NFKC", username or "").strip().casefold()


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the connection came from, or None when there is none (a request made
    in code). A proxy in front must set REMOTE_ADDR (gunicorn's --forwarded-allow-ips),
    never a header a client could forge."""
    address = request.META.get("REMOTE_ADDR") if request is not None else None
    return str(address) if address else None


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """``AXES_USERNAME_CALLABLE``: the normalised username of this sign-in attempt."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    if credentials and credentials.get(field):
        return normalise(str(credentials[field]))
    data = getattr(request, "POST", None) or {}
    return normalise(str(data.get(field, "")))


def reset_allowed(*, email: str, request: HttpRequest) -> bool:
    """Record a password-reset request; False when this address, or this client, has
    asked ``PRODOPS_RESET_MAX_PER_HOUR`` times within the hour already (then no mail
    is sent: the page still answers the same, so it does not tell who has an account)."""
    limit = int(settings.PRODOPS_RESET_MAX_PER_HOUR)
    now = timezone.now()
    since = now - timedelta(hours=1)
    key = hashlib.sha256(normalise(email).encode()).hexdigest()
    ip = client_ip(request) or ""
    recent = PasswordResetRequest.objects.filter(at__gte=since)
    allowed = recent.filter(email_key=key).count() < limit and recent.filter(ip=ip).count() < 3 * limit
    PasswordResetRequest.objects.create(email_key=key, ip=ip[:45], at=now, sent=allowed)
    # Rows older than the window decide nothing; prune them as we go.
    PasswordResetRequest.objects.filter(at__lt=since).delete()
    return allowed


class SignInThrottle(AxesStandaloneBackend):
    """django-axes' backend for sign-ins that come with a request (the sign-in pages).
    ``authenticate()`` without one (Django's test client, a script) has no client address
    to key on; axes would raise, so it is passed on to the next backend instead."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
