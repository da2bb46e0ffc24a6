"""Every answer under ``/api/`` is JSON, errors included.

django-ninja answers JSON for what reaches an operation, but some answers are made
before or around it: a URL no route matches (404), a method a route does not take (405),
a body over the size limit (413, refused here before it is read), a path or query with
a NUL byte (422, refused here: PostgreSQL cannot even compare such text; on the web
pages a plain 400), and an
unhandled exception (Django's 500 page). This middleware, first in ``MIDDLEWARE``, turns
each of them into ``{"detail": ..., "code": ...}`` so a client never has to read HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

API_PREFIX = "/api/"

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "invalid",
    500: "server_error",
}


def error_code(status: int) -> str:
    """The ``code`` of an error answer that no ``ProdOpsError`` named ("not_found")."""
    return _CODES.get(status) or HTTPStatus(status).phrase.lower().replace(" ", "_")


def json_error(status: int, detail: Any, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": error_code(status), **extra}, status=status)


def _invalid(where: str, name: str, message: str) -> JsonResponse:
    loc = [where, name] if name else [where]
    return JsonResponse({"detail": [{"type": "invalid", "loc": loc, "msg": message}]}, status=422)


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ApiErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            if _has_nul(request):  # the web pages: a plain 400, never a database error
                return HttpResponseBadRequest("A NUL character is not allowed in a URL.")
            return self.get_response(request)
        refused = self._refuse(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        if response.status_code >= 400 and not _is_json(response):
            detail = HTTPStatus(response.status_code).phrase
            if response.status_code == 405 and response.get("Allow"):
                detail += f"; allowed: {response['Allow']}"
            replacement = json_error(response.status_code, detail)
            for header in ("Allow", "WWW-Authenticate", "Retry-After"):
                if response.has_header(header):
                    replacement[header] = response[header]
            return replacement
        return response

    @staticmethod
    def _refuse(request: HttpRequest) -> HttpResponse | None:
        limit = settings.PRODOPS_MAX_BODY_BYTES
        if _content_length(request) > limit:
            return json_error(
                413, f"the body is larger than {limit} bytes (PRODOPS_MAX_BODY_BYTES); split it"
            )
        if "\x00" in request.path:
            return _invalid("path", "", "must not contain a NUL character")
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return _invalid("query", name.replace("\x00", ""), "must not contain a NUL character")
        return None


def _has_nul(request: HttpRequest) -> bool:
    return "\x00" in request.path or any(
        "\x00" in name or any("\x00" in value for value in values) for name, values in request.GET.lists()
    )


def _is_json(response: HttpResponse) -> bool:
    kind = str(response.get("Content-Type", ""))
    return kind.startswith(("application/json", "application/problem+json"))
