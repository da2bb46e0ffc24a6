"""API authentication: bearer tokens for machines, the session for the web application."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import HttpBearer, django_auth

from prodops.accounts.models import ApiToken, hash_token
from prodops.core.actors import Actor

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        try:
            api_token = ApiToken.objects.select_related("user").get(
                token_hash=hash_token(token), revoked_at__isnull=True
            )
        except ApiToken.DoesNotExist:
            return None
        if not api_token.user.is_active:
            return None
        if api_token.read_only and request.method not in SAFE_METHODS:
            raise HttpError(403, "This token is read-only; writes need a read-write token.")
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token


api_auth = [TokenAuth(), django_auth]


def api_actor(request: HttpRequest) -> Actor:
    """Who makes this API call: the token's user with the token's scope (a read-only
    token never writes, whatever its user's role), or the signed-in web user."""
    token = getattr(request, "api_token", None)
    read_only = bool(token is not None and token.read_only)
    return Actor.for_user(request.user, "api", read_only=read_only)  # type: ignore[arg-type]
