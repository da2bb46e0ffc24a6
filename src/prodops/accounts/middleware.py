"""Anonymous visitors see only the sign-in pages.

The API keeps its own authentication (bearer token or session, answering 401), the
admin has its own sign-in, and static files are public.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.defaults import permission_denied

from prodops.core.errors import PermissionDenied

PUBLIC_PREFIXES = (
    "/api/",
    "/admin/",
    "/static/",
    "/accounts/login/",
    "/accounts/password-reset/",
    "/accounts/reset/",
    "/notifications/unsubscribe/",  # the one-click link of every notification email
    "/favicon.ico",
)


class LoginRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated or request.path.startswith(PUBLIC_PREFIXES):
            return self.get_response(request)
        login_url = f"{settings.LOGIN_URL}?next={quote(request.get_full_path())}"
        if request.headers.get("HX-Request"):
            # An HTMX request would swap the login page into a fragment; send the
            # whole window there instead.
            response = HttpResponse(status=401)
            response["HX-Redirect"] = login_url
            return response
        return HttpResponseRedirect(login_url)


class PolicyDeniedMiddleware:
    """A web request a service refused through the policy gets the 403 page (the API maps
    the same error to its JSON 403 itself), so views need no permission checks of their own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, PermissionDenied):
            return permission_denied(request, DjangoPermissionDenied(exception.message))
        return None
