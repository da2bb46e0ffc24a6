"""API authentication: bearer tokens for machines, the session for the web application."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

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


class BrowserSessionAuth(SessionAuth):
    """The signed-in web user. A request without a session cookie cannot be a browser
    session, so there is no CSRF token to check: it is simply unauthenticated and gets the
    documented 401 (django-ninja would check CSRF first and answer 403 "CSRF check
    Failed"). With a session cookie the CSRF check stands, as in the web app."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)


api_auth = [TokenAuth(), BrowserSessionAuth()]


def api_actor(request: HttpRequest) -> Actor:
    """Who makes this API call: the token's user with the token's scope (a read-only
    token never writes, whatever its user's role), or the signed-in web user."""
    token = getattr(request, "api_token", None)
    read_only = bool(token is not None and token.read_only)
    return Actor.for_user(request.user, "api", read_only=read_only)  # type: ignore[arg-type]
