"""Storing events: every way in (API, file import, webhooks, replays) ends here.

The shell owns the transaction; these functions either store everything they are given
or raise before writing anything that would be kept.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from prodops.accounts import policy
from prodops.audit.services import record as audit
from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.core.signals import notify_facts_changed
from prodops.events import userkeys
from prodops.events.formats import LineError
from prodops.events.integrations import get_parser
from prodops.events.models import (
    ActiveUserDay,
    Change,
    Defect,
    Deployment,
    Incident,
    IngestBatch,
    Page,
    RefusedDelivery,
    Ticket,
    Usage,
    WebhookDelivery,
)
from prodops.events.records import Record, RecordError, normalise_repo

MODELS: dict[str, Any] = {
    "deployment": Deployment,
    "change": Change,
    "incident": Incident,
    "defect": Defect,
    "ticket": Ticket,
    "page": Page,
    "usage": Usage,
}
TIME_FIELD = {
    "deployment": "deployed_at",
    "change": "committed_at",
    "incident": "opened_at",
    "defect": "found_at",
    "ticket": "opened_at",
    "page": "triggered_at",
    "usage": "date",
}
# Webhook source → settings name of its secret (see docs/events.md, "Webhooks").
WEBHOOK_SECRETS = {
    "github": "PRODOPS_GITHUB_WEBHOOK_SECRET",
    "gitlab": "PRODOPS_GITLAB_WEBHOOK_TOKEN",
    "pagerduty": "PRODOPS_PAGERDUTY_WEBHOOK_SECRET",
    "opsgenie": "PRODOPS_OPSGENIE_WEBHOOK_TOKEN",
}
BATCH_SIZE = 2000


class IngestError(Exception):
    """Bad input: every error, each with its line (or event number) and field."""

    def __init__(self, errors: Sequence[LineError]) -> None:
        super().__init__(f"{len(errors)} bad event(s); nothing was stored")
        self.errors = list(errors)


class WebhookRejected(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --- mapping events to products ------------------------------------------------------


@dataclass
class ProductMap:
    """Which product an event belongs to: by slug, by repository URL
    (``Product.links["repo"]``), or by an integration id (``Product.integrations``)."""

    slugs: dict[str, int] = field(default_factory=dict)
    repos: dict[str, int] = field(default_factory=dict)
    integrations: dict[tuple[str, str], int] = field(default_factory=dict)

    @classmethod
    def load(cls) -> ProductMap:

        result = cls()
        for pid, slug, links, integrations in Product.objects.values_list(
            "id", "slug", "links", "integrations"
        ):
            result.slugs[slug] = pid
            for name, url in (links or {}).items():
                if name in ("repo", "repository") and isinstance(url, str) and url:
                    result.repos[normalise_repo(url)] = pid
            for key, value in (integrations or {}).items():
                values = value if isinstance(value, list) else [value]
                for item in values:
                    if item not in (None, ""):
                        result.integrations[(str(key), str(item))] = pid
        return result

    def resolve(self, record: Record) -> int | None:
        """The product id, or None (unmapped). An unknown explicit slug is an error."""
        if record.product:
            if record.product not in self.slugs:
                raise RecordError(f"no product with slug {record.product!r}", field="product")
            return self.slugs[record.product]
        if record.repo:
            pid = self.repos.get(normalise_repo(record.repo))
            if pid is not None:
                return pid
        for key, value in record.integrations.items():
            # Opsgenie sends the teams of an alert; any of them may name the product.
            for item in value.split(","):
                pid = self.integrations.get((key, item.strip()))
                if pid is not None:
                    return pid
        return None


# --- storing -------------------------------------------------------------------------


def _instances(kind: str, records: Iterable[tuple[Record, int | None]]) -> list[Any]:
    model = MODELS[kind]
    if kind == "usage":
        return [
            model(product_id=pid, source=r.source, origin=r.origin[:300], **r.fields) for r, pid in records
        ]
    return [
        model(product_id=pid, source=r.source, external_id=r.external_id, origin=r.origin[:300], **r.fields)
        for r, pid in records
    ]


def _store(
    numbered: Sequence[tuple[int, Record]], product_map: ProductMap
) -> tuple[dict[str, int], set[int]]:
    """Map and upsert. Raises IngestError (before writing) if any record cannot be mapped."""
    by_kind: dict[str, dict[tuple[Any, ...], tuple[Record, int | None]]] = defaultdict(dict)
    errors: list[LineError] = []
    for number, record in numbered:
        try:
            pid = product_map.resolve(record)
        except RecordError as error:
            errors.append(LineError(number, error.field, error.message))
            continue
        if record.kind == "usage" and record.fields.get("user") is not None:
            # One anonymous user's activity: hashed here, the raw key goes no further.
            key: tuple[Any, ...] = (
                pid,
                userkeys.day_number(record.fields["date"]),
                userkeys.user_key(record.fields["user"], settings.PRODOPS_USAGE_SECRET),
            )
            by_kind["active_user"][key] = (record, pid)
            continue
        key = (pid, record.fields["date"]) if record.kind == "usage" else (record.source, record.external_id)
        # A later event with the same id replaces an earlier one in the same batch (an
        # upsert cannot touch one row twice in one statement).
        by_kind[record.kind][key] = (record, pid)
    if errors:
        raise IngestError(errors)
    counts: dict[str, int] = {}
    products: set[int] = set()
    for kind, keyed in by_kind.items():
        if kind == "active_user":
            rows = [ActiveUserDay(product_id=pid, day=day, user_key=uk) for pid, day, uk in keyed]
            # The same user on the same day is one row: a resent event changes nothing.
            ActiveUserDay.objects.bulk_create(rows, batch_size=BATCH_SIZE, ignore_conflicts=True)
            _record_first_days(keyed)
            counts["usage"] = counts.get("usage", 0) + len(rows)
            products.update(pid for pid, _, _ in keyed if pid is not None)
            continue
        objects = _instances(kind, keyed.values())
        model = MODELS[kind]
        if kind == "usage":
            unique = ["product", "date"]
            update = ["active_users", "source", "origin"]
            mapped = [o for o in objects if o.product_id is not None]
            # NULL products never conflict, so unmapped usage is plain inserts.
            model.objects.bulk_create(
                mapped,
                batch_size=BATCH_SIZE,
                update_conflicts=True,
                unique_fields=unique,
                update_fields=update,
            )
            model.objects.bulk_create([o for o in objects if o.product_id is None], batch_size=BATCH_SIZE)
        else:
            update = [
                f.name
                for f in model._meta.concrete_fields
                if not f.primary_key and f.name not in ("source", "external_id")
            ]
            unique = ["source", "external_id"]
            if settings.PRODOPS_EVENTS_PARTITIONED:
                unique.append(TIME_FIELD[kind])
            model.objects.bulk_create(
                objects,
                batch_size=BATCH_SIZE,
                update_conflicts=True,
                unique_fields=unique,
                update_fields=[f for f in update if f not in unique],
            )
        counts[kind] = counts.get(kind, 0) + len(objects)
        products.update(pid for _, pid in keyed.values() if pid is not None)
    return counts, products


FIRST_DAY_UPSERT = (
    "INSERT INTO events_activeuser (product_id, user_key, first_day) VALUES (%s, %s, %s) "
    "ON CONFLICT (product_id, user_key) DO UPDATE SET first_day = CASE "
    "WHEN excluded.first_day < events_activeuser.first_day THEN excluded.first_day "
    "ELSE events_activeuser.first_day END"
)


def _record_first_days(keyed: Iterable[tuple[Any, ...]]) -> None:
    """Keep each user's first active day (the earliest ever sent, in whatever order)."""
    first: dict[tuple[int, int], int] = {}
    for pid, day, key in keyed:
        if pid is not None and day < first.get((pid, key), day + 1):
            first[(pid, key)] = day
    rows = [(pid, key, day) for (pid, key), day in sorted(first.items())]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            cursor.executemany(FIRST_DAY_UPSERT, rows[start : start + BATCH_SIZE])


def ingest(
    *,
    records: Sequence[tuple[int, Record]],
    actor: Actor,
    source: str = "prodops",
    description: str = "",
) -> IngestBatch:
    """Store a batch of events (API, file import): all of them, or none (IngestError)."""
    policy.require(actor, "events.ingest")
    if not records:
        raise IngestError([LineError(0, "", "no events given")])
    counts, products = _store(records, ProductMap.load())
    batch = IngestBatch.objects.create(
        source=source, via=actor.via, actor=actor.label[:254], description=description[:500], counts=counts
    )
    audit(actor=actor, action="events.ingest", obj=batch, changes={"counts": counts, "source": source})
    notify_facts_changed(sorted(products))
    return batch


# --- webhooks ------------------------------------------------------------------------


def webhook_secret(source: str) -> str:
    return str(getattr(settings, WEBHOOK_SECRETS[source], "") or "")


def verify_webhook(*, source: str, headers: dict[str, str], body: bytes) -> None:
    """Raise WebhookRejected unless the delivery is signed with the configured secret."""
    if source not in WEBHOOK_SECRETS:
        raise WebhookRejected(404, f"no webhook source {source!r} (known: {', '.join(WEBHOOK_SECRETS)})")
    secret = webhook_secret(source)
    if not secret:
        raise WebhookRejected(
            401, f"{WEBHOOK_SECRETS[source]} is not set, so no {source} delivery can be verified"
        )
    parser = get_parser(source)
    if not parser.verify(headers, body, secret):
        raise WebhookRejected(401, f"bad or missing {parser.SIGNATURE_HEADER} signature")


@dataclass
class DeliveryResult:
    delivery: WebhookDelivery
    duplicate: bool


def receive_delivery(
    *,
    source: str,
    event: str,
    delivery_id: str,
    payload: dict[str, Any],
    actor: Actor,
    body: bytes = b"",
) -> DeliveryResult:
    """Apply one (already verified) delivery, once: a delivery id seen before is not
    applied again. Raises WebhookRejected(400) for a payload that cannot be read."""
    policy.require(actor, "events.ingest")
    parser = get_parser(source)
    if not delivery_id:
        # Without a delivery id, identical bodies are the same delivery.
        delivery_id = "sha256:" + hashlib.sha256(body or repr(payload).encode()).hexdigest()
    elif len(delivery_id) > 200:
        # Longer than the column: look it up and store it by the same stand-in, so a
        # replay is found (it was stored cut and looked up whole).
        delivery_id = "sha256:" + hashlib.sha256(delivery_id.encode()).hexdigest()
    existing = WebhookDelivery.objects.filter(source=source, delivery_id=delivery_id).first()
    if existing is not None:
        return DeliveryResult(existing, duplicate=True)
    try:
        records = parser.parse(event, payload)
    except (RecordError, KeyError, TypeError, AttributeError, ValueError) as error:
        detail = f"field {error.field!r}: {error.message}" if isinstance(error, RecordError) else str(error)
        raise WebhookRejected(400, f"cannot read this {source} {event or 'event'}: {detail}") from None
    counts, products = _store(list(enumerate(records, start=1)), ProductMap.load())
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                source=source,
                delivery_id=delivery_id,
                event=event[:100],
                received_at=timezone.now(),
                outcome="applied" if records else "ignored",
                detail="" if records else f"{event or 'this event'} carries nothing ProdOps records",
                counts=counts,
            )
    except IntegrityError:
        # A concurrent copy of the same delivery won; ours changed the same rows to
        # the same values, so report it as the duplicate it is.
        return DeliveryResult(WebhookDelivery.objects.get(source=source, delivery_id=delivery_id), True)
    audit(actor=actor, action=f"events.webhook.{source}", obj=delivery, changes={"counts": counts})
    notify_facts_changed(sorted(products))
    return DeliveryResult(delivery, duplicate=False)


def parse_replay_line(data: Any) -> tuple[str, str, dict[str, Any]]:
    """A recorded delivery: ``{"event": ..., "delivery": ..., "payload": {...}}``."""
    if not isinstance(data, dict):
        raise RecordError("a recorded delivery must be a JSON object")
    payload = data.get("payload")
    if not isinstance(payload, dict):
        raise RecordError("must be the delivery's JSON object", field="payload")
    unknown = sorted(set(data) - {"event", "delivery", "payload"})
    if unknown:
        raise RecordError("unknown field (known: event, delivery, payload)", field=unknown[0])
    return str(data.get("event") or ""), str(data.get("delivery") or ""), payload


# Headers kept with a refused delivery: what tells an admin who sent it and what it was.
# Signatures and tokens are never kept (a token is the secret itself).
REFUSED_HEADERS = (
    "Content-Type",
    "Content-Length",
    "User-Agent",
    "X-GitHub-Event",
    "X-GitHub-Delivery",
    "X-GitHub-Hook-ID",
    "X-Gitlab-Event",
    "X-Gitlab-Event-UUID",
    "X-Gitlab-Instance",
    "X-Webhook-Id",
)


def record_refused(
    *,
    source: str,
    status: int,
    reason: str,
    headers: dict[str, str],
    size: int,
    event: str = "",
    delivery_id: str = "",
) -> RefusedDelivery:
    """Keep a refused delivery (never its events or body). The shell calls it outside
    the transaction it rolled back, so the record stays."""
    wanted = {name.lower(): name for name in REFUSED_HEADERS}
    kept = {wanted[k.lower()]: str(v)[:200] for k, v in headers.items() if k.lower() in wanted}
    return RefusedDelivery.objects.create(
        source=source[:32],
        status=status,
        reason=reason[:500],
        event=event[:100],
        delivery_id=delivery_id[:200],
        headers=kept,
        size=size,
        received_at=timezone.now(),
    )


def refused_deliveries(*, actor: Actor, source: str | None = None, limit: int | None = 100) -> Any:
    """Refused deliveries, newest first: for admins (``events.view_refused``). With
    ``limit=None`` the whole queryset, for the API's pagination."""
    policy.require(actor, "events.view_refused")
    query = RefusedDelivery.objects.all()
    if source:
        query = query.filter(source=source)
    if limit is None:
        return query
    return list(query[: max(1, min(limit, 1000))])


# --- reading -------------------------------------------------------------------------


def unmapped(*, kind: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Events kept without a product, newest first, with what they came with."""
    kinds = [kind] if kind else list(MODELS)
    rows: list[dict[str, Any]] = []
    for name in kinds:
        model = MODELS[name]
        time_field = TIME_FIELD[name]
        query = model.objects.filter(product__isnull=True).order_by(f"-{time_field}")[:limit]
        for obj in query:
            at = getattr(obj, time_field)
            rows.append(
                {
                    "kind": name,
                    "id": obj.pk,
                    "source": getattr(obj, "source", ""),
                    "external_id": getattr(obj, "external_id", ""),
                    "origin": getattr(obj, "origin", ""),
                    "at": at.isoformat() if isinstance(at, datetime) else str(at),
                }
            )
    rows.sort(key=lambda r: r["at"], reverse=True)
    return rows[:limit]


def unmapped_counts() -> dict[str, int]:
    return {name: MODELS[name].objects.filter(product__isnull=True).count() for name in MODELS}
