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
from ninja.errors import HttpError

from prodops.accounts.auth import api_actor
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput
from prodops.core.pagination import Envelope, paginate
from prodops.core.validation import loads_json
from prodops.events import services
from prodops.events.formats import LineError, parse_rows, read_ndjson
from prodops.events.integrations import get_parser
from prodops.events.schemas import ErrorOut, IngestOut, RefusedOut, UnmappedListOut, WebhookDeliveryOut

router = Router(tags=["events"])


def _errors(errors: list[LineError], what: str) -> dict[str, Any]:
    return {
        "detail": f"{len(errors)} bad {what}; nothing was stored",
        "errors": [{"line": e.line, "field": e.field, "message": e.message} for e in errors],
    }


def _ingest(request: HttpRequest, rows: Any, what: str, description: str) -> tuple[int, dict[str, Any]]:
    records, errors = parse_rows(rows)
    if errors:
        return 400, _errors(errors, what)
    actor = api_actor(request)
    try:
        with transaction.atomic():
            batch = services.ingest(records=records, actor=actor, description=description)
    except services.IngestError as error:
        return 400, _errors(error.errors, what)
    return 201, {"batch": batch.pk, "counts": batch.counts}


@router.post("/events", response={201: IngestOut, 400: ErrorOut}, summary="Record one event")
def create_event(request: HttpRequest) -> tuple[int, dict[str, Any]]:
    """One event in ProdOps' format (see docs/events.md), as a JSON object."""
    try:
        data = loads_json(request.body or b"null")
    except InvalidInput as error:
        return 400, _errors([LineError(1, error.field, error.message)], "event")
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        return 400, {"detail": f"the body is not valid JSON: {error}", "errors": []}
    return _ingest(request, [(1, data)], "event", "API: one event")


@router.post(
    "/events/bulk", response={201: IngestOut, 400: ErrorOut, 413: ErrorOut}, summary="Record many events"
)
def bulk_events(request: HttpRequest) -> tuple[int, dict[str, Any]]:
    """NDJSON: one event a line. All or nothing: any bad line (reported with its line
    number and field) and nothing is stored."""
    limit = settings.PRODOPS_MAX_BODY_BYTES
    if len(request.body) > limit:  # a chunked body has no Content-Length to refuse it earlier
        return 413, {"detail": f"the body is larger than {limit} bytes; split it", "errors": []}
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return 400, {"detail": "the body is not UTF-8", "errors": []}
    return _ingest(request, read_ndjson(text.splitlines()), "line(s)", "API: bulk NDJSON")


@router.get("/events/unmapped", response=UnmappedListOut, summary="Events with no product")
def list_unmapped(request: HttpRequest, kind: str | None = None, limit: int = 100) -> dict[str, Any]:
    """Events that could not be mapped to a product (by repository URL or integration
    id). They are kept; give the product the matching link or integration id."""
    if kind is not None and kind not in services.MODELS:
        raise HttpError(400, f"kind must be one of {', '.join(services.MODELS)}")
    return {
        "counts": services.unmapped_counts(),
        "events": services.unmapped(kind=kind, limit=max(1, min(limit, 1000))),
    }


@router.post(
    "/webhooks/{source}",
    auth=None,
    response={200: WebhookDeliveryOut, 202: WebhookDeliveryOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Receive a webhook (GitHub, GitLab, PagerDuty, Opsgenie)",
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
        return status, {"detail": message, "errors": []}

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
