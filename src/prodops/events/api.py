"""Events API: one event, a bulk NDJSON body, the unmapped list, and the webhooks.

Webhooks are not behind token auth (``auth=None``): the sender proves itself with the
signature each kind defines, checked before anything is read or stored.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from ninja import Router

from prodops.accounts.auth import api_actor
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput
from prodops.core.middleware import error_code
from prodops.core.pagination import Envelope, paginate
from prodops.core.validation import loads_json
from prodops.events import services
from prodops.events.formats import LineError, parse_rows, read_ndjson
from prodops.events.integrations import get_parser
from prodops.events.schemas import (
    ErrorOut,
    IngestOut,
    InvalidEventsOut,
    RefusedOut,
    UnmappedListOut,
    WebhookDeliveryOut,
)

router = Router(tags=["events"])


def _invalid(errors: list[LineError], *, bulk: bool) -> tuple[int, dict[str, Any]]:
    """Bad events: the API's shared 422, one located error per bad line (``loc`` is
    ``["body", line, field]`` for NDJSON, ``["body", field]`` for one event; each also
    carries ``line`` and ``field``). ``errors`` keeps the per-line list as
    docs/events.md has always given it (``{line, field, message}``)."""
    detail = []
    for e in errors:
        where = InvalidInput(e.message, field=e.field).loc()
        loc = [where[0], e.line, *where[1:]] if bulk else where
        detail.append({"type": "invalid", "loc": loc, "msg": e.message, "line": e.line, "field": e.field})
    lines = [{"line": e.line, "field": e.field, "message": e.message} for e in errors]
    return 422, {"detail": detail, "errors": lines}


def _refused(status: int, message: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    """A request refused as a whole (not JSON, too large): the shared ``{detail, code}``."""
    return status, {"detail": message, "code": error_code(status), **extra, "errors": []}


def _ingest(request: HttpRequest, rows: Any, description: str, *, bulk: bool) -> tuple[int, dict[str, Any]]:
    records, errors = parse_rows(rows)
    if errors:
        return _invalid(errors, bulk=bulk)
    actor = api_actor(request)
    try:
        with transaction.atomic():
            batch = services.ingest(records=records, actor=actor, description=description)
    except services.IngestError as error:
        return _invalid(error.errors, bulk=bulk)
    return 201, {"batch": batch.pk, "counts": batch.counts}


@router.post(
    "/events",
    response={201: IngestOut, 400: ErrorOut, 422: InvalidEventsOut},
    summary="Record one event",
    exclude_none=True,
)
def create_event(request: HttpRequest) -> tuple[int, dict[str, Any]]:
    """One event in ProdOps' format (see docs/events.md), as a JSON object."""
    try:
        data = loads_json(request.body or b"null")
    except InvalidInput as error:
        return _invalid([LineError(1, error.field, error.message)], bulk=False)
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        return _refused(400, f"the body is not valid JSON: {error}")
    return _ingest(request, [(1, data)], "API: one event", bulk=False)


@router.post(
    "/events/bulk",
    response={201: IngestOut, 400: ErrorOut, 413: ErrorOut, 422: InvalidEventsOut},
    summary="Record many events",
    exclude_none=True,
)
def bulk_events(request: HttpRequest) -> tuple[int, dict[str, Any]]:
    """NDJSON: one event a line. All or nothing: any bad line (reported with its line
    number and field) and nothing is stored."""
    limit = settings.PRODOPS_MAX_BODY_BYTES
    if len(request.body) > limit:  # a chunked body has no Content-Length to refuse it earlier
        return _refused(413, f"the body is larger than {limit} bytes; split it")
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return _refused(400, "the body is not UTF-8")
    return _ingest(request, read_ndjson(text.splitlines()), "API: bulk NDJSON", bulk=True)


@router.get("/events/unmapped", response=UnmappedListOut, summary="Events with no product")
def list_unmapped(request: HttpRequest, kind: str | None = None, limit: int = 100) -> dict[str, Any]:
    """Events that could not be mapped to a product (by repository URL or integration
    id). They are kept; give the product the matching link or integration id."""
    if kind is not None and kind not in services.MODELS:
        raise InvalidInput(f"kind must be one of {', '.join(services.MODELS)}", field="kind")
    return {
        "counts": services.unmapped_counts(),
        "events": services.unmapped(kind=kind, limit=max(1, min(limit, 1000))),
    }


@router.post(
    "/webhooks/{source}",
    auth=None,
    response={200: WebhookDeliveryOut, 202: WebhookDeliveryOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Receive a webhook (GitHub, GitLab, PagerDuty, Opsgenie)",
    exclude_none=True,  # ``loc`` only on the 404 of an unknown source
)
def webhook(request: HttpRequest, source: str) -> tuple[int, dict[str, Any]]:
    """202 when applied, 200 when the delivery was seen before (stored once), 401 when
    the signature does not verify (nothing stored)."""
    body = request.body
    headers = dict(request.headers)
    event = delivery_id = ""

    def refuse(status: int, message: str) -> tuple[int, dict[str, Any]]:
        # Recorded outside the rolled-back transaction, so admins see every refusal.
        services.record_refused(
            source=source,
            status=status,
            reason=message,
            headers=headers,
            size=len(body),
            event=event,
            delivery_id=delivery_id,
        )
        # An unknown source is the path parameter that named it.
        return _refused(status, message, **({"loc": ["path", "source"]} if status == 404 else {}))

    try:
        services.verify_webhook(source=source, headers=headers, body=body)
    except services.WebhookRejected as error:
        return refuse(error.status, error.message)
    try:
        payload = loads_json(body)
    except InvalidInput as error:
        return refuse(400, f"field {error.field!r}: {error.message}" if error.field else error.message)
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        return refuse(400, f"the body is not valid JSON: {error}")
    if not isinstance(payload, dict):
        return refuse(400, "the body must be a JSON object")
    parser = get_parser(source)
    event = parser.event_name(headers, payload)
    delivery_id = parser.delivery_id(headers, payload)
    try:
        with transaction.atomic():
            result = services.receive_delivery(
                source=source,
                event=event,
                delivery_id=delivery_id,
                payload=payload,
                actor=Actor.webhook(source),
                body=body,
            )
    except services.WebhookRejected as error:
        return refuse(error.status, error.message)
    delivery = result.delivery
    return (200 if result.duplicate else 202), {
        "delivery": delivery.delivery_id,
        "event": delivery.event,
        "duplicate": result.duplicate,
        "outcome": delivery.outcome,
        "counts": delivery.counts,
    }


@router.get("/events/refused", response=list[RefusedOut], summary="Refused webhook deliveries (admins)")
@paginate(Envelope)
def list_refused(request: HttpRequest, source: str | None = None) -> Any:
    """Deliveries turned away (bad signature, unknown source, unreadable payload or one
    missing the sender's identifiers), newest first, with the reason. None of their
    events were stored. Admins only."""
    actor = api_actor(request)
    return services.refused_deliveries(actor=actor, source=source, limit=None)
