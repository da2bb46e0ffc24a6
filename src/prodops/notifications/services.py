"""Notifications: tell people and channels what happened, once, and record every try.

``notify(event=..., product=..., actor=..., subject=..., recipients=..., url=..., key=...)``
is the one entry point other apps call (inside their write transaction). It stores a
Notification and one Delivery per target:

* each recipient Person (default: the product's two leads; never the actor themself)
  gets an in-app entry and, by their preference for the event (immediate, daily
  digest, off; the event's default otherwise), an email;
* every Channel subscribed to the event whose product selector matches gets one.

Pending deliveries are sent by the ``deliver`` task (``notifications/tasks.py``), which
first claims the row by compare-and-set (``pending`` → ``sending``), so a delivery is
sent once however many workers run. Timeouts, 5xx and 429 are retried with exponential
backoff and jitter (``Retry-After`` honoured) for up to a day; other 4xx fail at once.
A channel failing for 24 hours is paused and the admins are told.
"""

from __future__ import annotations

import functools
import os
import random
import re
import time
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from prodops.accounts import policy
from prodops.accounts.models import UserRole
from prodops.audit.services import record
from prodops.catalog.models import Person, Product
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, NotFound
from prodops.core.tasks import enqueue_on_commit
from prodops.notifications import events as registry
from prodops.notifications.channels import Message, Result, transport
from prodops.notifications.channels.http import literal_refusal
from prodops.notifications.models import (
    Attempt,
    Channel,
    Delivery,
    DigestSchedule,
    Notification,
    Preference,
)

# Retries: exponential backoff from BACKOFF_BASE, capped at BACKOFF_CAP, with jitter;
# a delivery is given up (and a channel paused) after GIVE_UP of failing.
BACKOFF_BASE = 30.0
BACKOFF_CAP = 3600.0
GIVE_UP = timedelta(hours=24)
# A delivery claimed longer ago than this by a worker that died is claimed again.
STALE_CLAIM = timedelta(minutes=10)
UNSUBSCRIBE_SALT = "prodops.notifications.unsubscribe"


class LinkExpired(InvalidInput):
    """A signed link that was valid, but is older than its maximum age."""


# --------------------------------------------------------------------------- notify


def both_leads(product: Product) -> list[Person]:
    return [product.build_lead, product.run_lead]


def team_members(product: Product, *, role: str) -> list[Person]:
    """The people of the product's ``build_team`` or ``run_team``."""
    team_id = product.build_team_id if role == "build_team" else product.run_team_id
    if not team_id:
        return []
    return list(Person.objects.filter(teams__pk=team_id))


def _site_url(path: str) -> str:
    if not path:
        return ""
    if path.startswith(("http://", "https://")):
        return path
    return urljoin(settings.SITE_URL.rstrip("/") + "/", path.lstrip("/"))


def _product_data(product: Product | None) -> dict[str, Any]:
    if product is None:
        return {}
    return {"slug": product.slug, "name": product.name, "stage": product.stage}


def _modes(people: Sequence[Person], event: registry.EventType) -> dict[int, str]:
    chosen = dict(
        Preference.objects.filter(person__in=people, event=event.name).values_list("person_id", "mode")
    )
    return {p.pk: chosen.get(p.pk, event.default_mode) for p in people}


def _matches(selector: dict[str, Any], product: Product | None) -> bool:
    """A channel's product selector: every listed field must match (any of its values)."""
    if not selector:
        return True
    if product is None:
        return False
    if selector.get("tags") and not set(selector["tags"]) & set(product.tags or []):
        return False
    if selector.get("tiers") and product.tier not in selector["tiers"]:
        return False
    if selector.get("stages") and product.stage not in selector["stages"]:
        return False
    if selector.get("teams"):
        slugs = {t.slug for t in (product.build_team, product.run_team) if t is not None}
        if not slugs & set(selector["teams"]):
            return False
    return True


def subscribed_channels(event: str, product: Product | None) -> list[Channel]:
    candidates = Channel.objects.filter(paused_at__isnull=True)
    return [c for c in candidates if event in (c.events or []) and _matches(c.products or {}, product)]


def notify(
    *,
    event: str,
    product: Product | None,
    actor: Actor,
    subject: dict[str, Any],
    recipients: Iterable[Person] | None = None,
    url: str = "",
    key: str = "",
    now: datetime | None = None,
) -> Notification | None:
    """Tell the people concerned and the subscribed channels that ``event`` happened.

    Call it inside the transaction of the change it reports: the notification and its
    delivery tasks commit (or roll back) with it. ``recipients`` defaults to the
    product's two leads; the actor is never notified of their own action. ``key``
    makes the notification happen once per (event, key): a repeat returns None."""
    spec = registry.get_event(event)
    now = now or timezone.now()
    if key and Notification.objects.filter(event=event, key=key).exists():
        return None
    values = {**{k: v for k, v in subject.items() if isinstance(v, str | int | float)}}
    values.setdefault("product", product.name if product else "")
    values.setdefault("actor", actor.label)
    full_url = _site_url(url or (f"/products/{product.slug}/" if product else ""))
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                event=event,
                key=key[:200],
                product=product,
                product_data=_product_data(product),
                actor=actor.label[:254],
                subject=subject,
                url=full_url,
                text=spec.render(values),
                occurred_at=now,
            )
    except IntegrityError:
        return None  # the same (event, key) was notified concurrently
    people = list(recipients) if recipients is not None else (both_leads(product) if product else [])
    unique: dict[int, Person] = {}
    for person in people:
        if person is not None and person.email.lower() != actor.email:
            unique[person.pk] = person
    modes = _modes(list(unique.values()), spec)
    deliveries = []
    for person in unique.values():
        mode = modes[person.pk]
        if mode == "off":
            continue
        deliveries.append(
            Delivery(
                notification=notification,
                medium=Delivery.Medium.INAPP,
                person=person,
                status=Delivery.Status.DELIVERED,
                next_attempt_at=now,
                delivered_at=now,
            )
        )
        deliveries.append(
            Delivery(
                notification=notification,
                medium=Delivery.Medium.EMAIL,
                person=person,
                status=Delivery.Status.PENDING if mode == "immediate" else Delivery.Status.DIGEST,
                next_attempt_at=now,
            )
        )
    for channel in subscribed_channels(event, product):
        deliveries.append(
            Delivery(
                notification=notification,
                medium=Delivery.Medium.CHANNEL,
                channel=channel,
                next_attempt_at=now,
            )
        )
    Delivery.objects.bulk_create(deliveries)
    pending = Delivery.objects.filter(notification=notification, status=Delivery.Status.PENDING)
    for delivery_id in pending.values_list("pk", flat=True):
        _enqueue(delivery_id)
    return notification


def _enqueue(delivery_id: int, *, at: datetime | None = None) -> None:
    from prodops.notifications.tasks import deliver  # noqa: PLC0415 - tasks.py imports this module

    enqueue_on_commit(deliver.using(run_after=at) if at else deliver, delivery_id)


# --------------------------------------------------------------------------- delivery


def resolve_secret(ref: dict[str, Any] | None) -> str:
    """The value a secret reference points to (``{"env": NAME}`` or ``{"file": PATH}``)."""
    if not ref:
        return ""
    if ref.get("env"):
        return os.environ.get(str(ref["env"]), "")
    if ref.get("file"):
        try:
            return Path(str(ref["file"])).read_text().strip()
        except OSError:
            return ""
    return ""


def unsubscribe_token(person: Person, event: str) -> str:
    return signing.dumps({"p": person.pk, "e": event}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(person: Person, event: str) -> str:
    return _site_url(reverse("notifications:unsubscribe", args=[unsubscribe_token(person, event)]))


def message_for(delivery: Delivery) -> Message:
    notification = delivery.notification
    spec = registry.get_event(notification.event)
    target, secret, unsubscribe = "", "", ""
    if delivery.channel is not None:
        channel = delivery.channel
        target = channel.url.removeprefix("mailto:") if channel.type == Channel.Type.EMAIL else channel.url
        secret = resolve_secret(channel.secret)
    elif delivery.person is not None:
        target = delivery.person.email
        unsubscribe = unsubscribe_url(delivery.person, notification.event)
    return Message(
        id=str(notification.pk),
        event=notification.event,
        title=spec.title,
        text=notification.text,
        url=notification.url,
        occurred_at=notification.occurred_at.isoformat(),
        actor=notification.actor,
        product=notification.product_data,
        subject=notification.subject,
        target=target,
        secret=secret,
        unsubscribe_url=unsubscribe,
    )


def _kind(delivery: Delivery) -> str:
    return delivery.channel.type if delivery.channel is not None else "email"


def backoff(attempt: int, retry_after: float | None = None) -> float:
    """Seconds before the next try: ``Retry-After`` when the server said so, otherwise
    exponential backoff with "full jitter" (a uniform draw up to BASE·2^(n-1), capped),
    so that many failed deliveries do not all come back at the same moment."""
    if retry_after is not None:
        return min(retry_after, BACKOFF_CAP)
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _claim(delivery_id: int, worker: str, now: datetime) -> bool:
    """Compare-and-set: only one worker moves a due delivery from pending to sending."""
    due = Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
    stale = Q(status=Delivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
    return bool(
        Delivery.objects.filter(due | stale, pk=delivery_id).update(
            status=Delivery.Status.SENDING, claimed_by=worker[:100], claimed_at=now
        )
    )


def deliver(*, delivery_id: int, worker: str = "", now: datetime | None = None) -> str:
    """Send one delivery if it is due and nobody else is sending it; record the attempt
    and decide what comes next. Returns the delivery's new status (or ``skipped``)."""
    now = now or timezone.now()
    worker = worker or f"pid-{os.getpid()}"
    if not _claim(delivery_id, worker, now):
        return "skipped"
    delivery = Delivery.objects.select_related("notification", "channel", "person").get(pk=delivery_id)
    started = time.monotonic()
    try:
        result = transport(_kind(delivery)).send(message_for(delivery))
    except Exception as error:  # a transport bug must not leave the delivery claimed
        result = Result(ok=False, retry=True, error=f"{type(error).__name__}: {error}")
    duration = int((time.monotonic() - started) * 1000)
    return _record(delivery, result, now=timezone.now(), duration_ms=duration)


def _record(delivery: Delivery, result: Result, *, now: datetime, duration_ms: int) -> str:
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            at=now,
            status_code=result.status_code,
            error=result.error[:2000],
            duration_ms=duration_ms,
            ok=result.ok,
        )
        first = Attempt.objects.filter(delivery=delivery).order_by("at").values_list("at", flat=True).first()
        attempts = delivery.attempts + 1
        fields: dict[str, Any] = {"attempts": attempts, "claimed_by": "", "claimed_at": None}
        if result.ok:
            fields.update(status=Delivery.Status.DELIVERED, delivered_at=now, last_error="")
        elif result.retry and first is not None and now - first < GIVE_UP:
            at = now + timedelta(seconds=backoff(attempts, result.retry_after))
            fields.update(status=Delivery.Status.PENDING, next_attempt_at=at, last_error=result.error)
            _enqueue(delivery.pk, at=at)
        else:
            fields.update(status=Delivery.Status.FAILED, last_error=result.error)
        Delivery.objects.filter(pk=delivery.pk).update(**fields)
        if delivery.channel is not None:
            _channel_health(delivery.channel, result, now)
    return str(fields["status"])


def _channel_health(channel: Channel, result: Result, now: datetime) -> None:
    if result.ok:
        Channel.objects.filter(pk=channel.pk).update(failing_since=None)
        return
    Channel.objects.filter(pk=channel.pk).update(last_error=result.error[:2000], last_error_at=now)
    Channel.objects.filter(pk=channel.pk, failing_since__isnull=True).update(failing_since=now)
    channel.refresh_from_db(fields=["failing_since", "paused_at"])
    if channel.paused_at is None and channel.failing_since and now - channel.failing_since >= GIVE_UP:
        pause_channel(channel=channel, now=now, error=result.error)


def pause_channel(*, channel: Channel, now: datetime, error: str) -> None:
    """Pause a channel that kept failing, and tell the admins (in-app and by email)."""
    if not Channel.objects.filter(pk=channel.pk, paused_at__isnull=True).update(paused_at=now):
        return
    record(
        actor=Actor.task("notifications"),
        action="channel.pause",
        obj=channel,
        changes={"error": [None, error]},
    )
    notify(
        event="channel.paused",
        product=None,
        actor=Actor.task("notifications"),
        subject={"channel": channel.slug, "error": error},
        recipients=admins(),
        url=reverse("notifications:channels"),
        key=f"{channel.pk}:{now.isoformat()}",
    )


def admins() -> list[Person]:
    """People whose account is an admin (matched by email)."""
    users = get_user_model().objects.filter(is_active=True)
    emails = {
        e.lower()
        for e in users.filter(
            Q(is_superuser=True) | Q(pk__in=UserRole.objects.filter(role="admin").values("user"))
        )
        .exclude(email="")
        .values_list("email", flat=True)
    }
    return list(Person.objects.filter(email__in=emails))


def release_stale_claims(*, now: datetime | None = None) -> int:
    """Deliveries claimed by a worker that died mid-send go back to the queue (the
    webhook's Idempotency-Key lets the receiver drop the repeat, if it got the first)."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM).values_list(
            "pk", flat=True
        )
    )
    for delivery_id in ids:
        _enqueue(delivery_id)
    return len(ids)


# --------------------------------------------------------------------------- digests


def digest_schedule(person: Person) -> tuple[int, str]:
    """The person's digest hour (0-23) and time zone name, the site's defaults filled in."""
    row = DigestSchedule.objects.filter(person=person).values_list("hour", "time_zone").first()
    return _with_defaults(*(row or (None, "")))


def _with_defaults(hour: int | None, zone: str) -> tuple[int, str]:
    return (settings.PRODOPS_DIGEST_HOUR if hour is None else hour), (zone or settings.TIME_ZONE)


@functools.cache
def time_zones() -> list[str]:
    """The IANA time zones a person may choose: Area/Location names and UTC (not the
    database's aliases such as ``localtime`` or ``posixrules``)."""
    return sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")


def set_digest_schedule(*, actor: Actor, person: Person, hour: int | None, time_zone: str) -> DigestSchedule:
    """Choose when one's daily digest goes out: ``hour`` (0-23, None: the site's default)
    in ``time_zone`` (an IANA name such as Europe/Berlin; "": the site's)."""
    policy.require(actor, "notification.preferences", person)
    if hour is not None and (type(hour) is not int or not 0 <= hour <= 23):
        raise InvalidInput("the digest hour is a whole hour from 0 to 23", field="hour")
    if not isinstance(time_zone, str) or (time_zone and time_zone not in time_zones()):
        raise InvalidInput("name a time zone such as Europe/Berlin or America/New_York", field="time_zone")
    schedule, _ = DigestSchedule.objects.get_or_create(person=person)
    before = [schedule.hour, schedule.time_zone]
    schedule.hour, schedule.time_zone = hour, time_zone
    schedule.save(update_fields=["hour", "time_zone"])
    record(
        actor=actor,
        action="notification.digest_schedule",
        obj=schedule,
        changes={"hour": [before[0], hour], "time_zone": [before[1], time_zone]},
    )
    return schedule


def _claim_digest_day(person: Person, now: datetime) -> tuple[date, date | None] | None:
    """Claim today's digest for ``person`` if their local hour has come and no digest
    went out on their local today: compare-and-set on ``last_sent_on``, so one worker
    wins. Returns (today, the day claimed over) to give back on failure, else None."""
    schedule, _ = DigestSchedule.objects.get_or_create(person=person)
    hour, zone = _with_defaults(schedule.hour, schedule.time_zone)
    local = now.astimezone(zoneinfo.ZoneInfo(zone))
    if local.hour < hour:
        return None
    today = local.date()
    previous = schedule.last_sent_on
    not_yet = Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=today)
    if not DigestSchedule.objects.filter(not_yet, pk=schedule.pk).update(last_sent_on=today):
        return None  # sent today already (by this job earlier, or by another worker)
    return today, previous


def send_digests(*, now: datetime | None = None) -> int:
    """One email per person with every notification waiting for their daily digest,
    once per local day, at or after their digest hour in their time zone."""
    now = now or timezone.now()
    person_ids = set(
        Delivery.objects.filter(status=Delivery.Status.DIGEST, medium=Delivery.Medium.EMAIL).values_list(
            "person_id", flat=True
        )
    )
    sent = 0
    for person in Person.objects.filter(pk__in=person_ids):
        with transaction.atomic():
            claimed = _claim_digest_day(person, now)
            if claimed is None:
                continue
            rows = list(
                Delivery.objects.select_for_update()
                .filter(person=person, status=Delivery.Status.DIGEST, medium=Delivery.Medium.EMAIL)
                .select_related("notification")
            )
            ids = [d.pk for d in rows]
            # Compare-and-set: another worker's digest has these already.
            if not ids or not Delivery.objects.filter(pk__in=ids, status=Delivery.Status.DIGEST).update(
                status=Delivery.Status.SENDING, claimed_at=now
            ):
                continue
        lines = [f"- {registry.get_event(d.notification.event).title}: {d.notification.text}" for d in rows]
        body = (
            "Your ProdOps digest:\n\n"
            + "\n".join(lines)
            + f"\n\n{_site_url(reverse('notifications:inbox'))}\n"
        )
        try:
            EmailMessage(
                subject=f"[ProdOps] Daily digest ({len(rows)})",
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[person.email],
            ).send()
            Delivery.objects.filter(pk__in=ids).update(status=Delivery.Status.DELIVERED, delivered_at=now)
            sent += 1
        except Exception as error:
            # Give the day back, so the next run of the job tries again.
            today, previous = claimed
            DigestSchedule.objects.filter(person=person, last_sent_on=today).update(last_sent_on=previous)
            Delivery.objects.filter(pk__in=ids).update(
                status=Delivery.Status.DIGEST, last_error=str(error)[:500]
            )
    return sent


# --------------------------------------------------------------------------- people


def person_for(actor: Actor) -> Person | None:
    email = actor.email
    return Person.objects.filter(email__iexact=email).first() if email else None


def inbox(*, person: Person) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(person=person, medium=Delivery.Medium.INAPP)
        .select_related("notification")
        .order_by("-notification__occurred_at")
    )


def unread_count(*, person: Person) -> int:
    return Delivery.objects.filter(person=person, medium=Delivery.Medium.INAPP, read_at__isnull=True).count()


def mark_read(*, actor: Actor, person: Person, delivery_ids: Sequence[int] | None = None) -> int:
    """Mark the person's in-app notifications read (all, or the ones named)."""
    policy.require(actor, "notification.read_own", person)
    qs = Delivery.objects.filter(person=person, medium=Delivery.Medium.INAPP, read_at__isnull=True)
    if delivery_ids is not None:
        qs = qs.filter(pk__in=list(delivery_ids))
    return qs.update(read_at=timezone.now())


def preferences(*, person: Person) -> dict[str, str]:
    """event → mode for every registered event (the default where none was chosen)."""
    chosen = dict(Preference.objects.filter(person=person).values_list("event", "mode"))
    return {name: chosen.get(name, spec.default_mode) for name, spec in registry.events().items()}


def set_preference(*, actor: Actor, person: Person, event: str, mode: str) -> Preference:
    policy.require(actor, "notification.preferences", person)
    if event not in registry.events():
        raise InvalidInput(f"unknown event {event!r}", field="event")
    if mode not in registry.MODES:
        raise InvalidInput(f"mode must be one of {', '.join(registry.MODES)}", field="mode")
    pref, _ = Preference.objects.update_or_create(person=person, event=event, defaults={"mode": mode})
    record(actor=actor, action="notification.preference", obj=pref, changes={event: [None, mode]})
    return pref


def unsubscribe_max_age() -> timedelta:
    return timedelta(days=settings.PRODOPS_UNSUBSCRIBE_MAX_AGE_DAYS)


def read_unsubscribe_token(token: str) -> tuple[Person, str]:
    """The person and event a signed unsubscribe token names. The signature carries
    when the link was made: older than ``PRODOPS_UNSUBSCRIBE_MAX_AGE_DAYS`` it is
    LinkExpired; forged, altered or naming nobody, NotFound."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=unsubscribe_max_age())
        return Person.objects.get(pk=int(data["p"])), str(data["e"])
    except signing.SignatureExpired:
        days = settings.PRODOPS_UNSUBSCRIBE_MAX_AGE_DAYS
        raise LinkExpired(
            f"this unsubscribe link has expired (links work for {days} days after the email was sent)",
            field="token",
        ) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError, Person.DoesNotExist):
        raise NotFound("this unsubscribe link is not valid", field="token") from None


def unsubscribe(*, token: str) -> Preference:
    """Turn one event off for the person the signed token names (one-click unsubscribe)."""
    person, event = read_unsubscribe_token(token)
    pref, _ = Preference.objects.update_or_create(person=person, event=event, defaults={"mode": "off"})
    record(
        actor=Actor(label=person.email, via="web"),
        action="notification.unsubscribe",
        obj=pref,
        changes={event: [None, "off"]},
    )
    return pref


# --------------------------------------------------------------------------- channels


SLUG_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class ChannelData:
    slug: str
    name: str
    type: str
    url: str
    secret: dict[str, str]
    events: list[str]
    products: dict[str, Any]


def validate_channel(data: ChannelData) -> None:
    if not SLUG_RE.match(data.slug or ""):
        raise InvalidInput("a slug is 1-63 lower-case letters, digits and hyphens", field="slug")
    if data.type not in Channel.Type.values:
        raise InvalidInput(f"type must be one of {', '.join(Channel.Type.values)}", field="type")
    if data.type == Channel.Type.EMAIL:
        if not re.match(r"^mailto:[^@\s]+@[^@\s]+$", data.url or ""):
            raise InvalidInput("an email channel's url is mailto:address", field="url")
    else:
        validate_url(data.url)
    known = registry.events()
    if not data.events:
        raise InvalidInput("name at least one event", field="events")
    for i, name in enumerate(data.events):
        if name not in known:
            raise InvalidInput(f"unknown event {name!r}", field=f"events.{i}")
    validate_selector(data.products or {})
    secret = data.secret or {}
    if set(secret) - {"env", "file"} or len(secret) > 1:
        raise InvalidInput("secret is {env: NAME} or {file: PATH}", field="secret")
    if data.type == Channel.Type.WEBHOOK and not secret:
        raise InvalidInput("a webhook channel needs a secret to sign its requests", field="secret")


SELECTOR_FIELDS = ("tags", "teams", "tiers", "stages")
TIERS = range(1, 5)


def validate_selector(selector: dict[str, Any]) -> None:
    """A channel's product selector: lists of tags, team slugs, tiers (1-4), stages."""
    if not isinstance(selector, dict):
        raise InvalidInput("products is a selector of tags, teams, tiers and stages", field="products")
    for key, values in selector.items():
        if key not in SELECTOR_FIELDS:
            raise InvalidInput(f"select products by {', '.join(SELECTOR_FIELDS)}", field=f"products.{key}")
        if not isinstance(values, list) or len(values) > 100:
            raise InvalidInput("give a list (at most 100)", field=f"products.{key}")
        for i, value in enumerate(values):
            if key == "tiers":
                if type(value) is not int or value not in TIERS:
                    raise InvalidInput("a tier is 1, 2, 3 or 4", field=f"products.tiers.{i}")
            elif not isinstance(value, str) or not value.strip() or len(value) > 100 or "\x00" in value:
                raise InvalidInput("give a name of at most 100 characters", field=f"products.{key}.{i}")


def validate_url(url: str) -> None:
    """A webhook URL: http(s), with a host and a valid port; an IP address written in it
    must be public (a host name is checked when it is resolved, at each delivery)."""
    if not re.match(r"^https?://[^\s]+$", url or "") or len(url) > 1000:
        raise InvalidInput("url must be an http(s) URL", field="url")
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when it is read
    except ValueError:
        raise InvalidInput("url has an invalid port", field="url") from None
    if not parts.hostname:
        raise InvalidInput("url names no host", field="url")
    refusal = literal_refusal(parts.hostname)
    if refusal:
        raise InvalidInput(
            f"{refusal}: webhooks may not reach it (PRODOPS_WEBHOOK_ALLOW_PRIVATE=1 allows it)",
            field="url",
        )


def save_channel(*, actor: Actor, data: ChannelData) -> tuple[Channel, str]:
    """Create or update a channel (by slug). Returns it and created/updated/unchanged."""
    policy.require(actor, "channel.manage")
    validate_channel(data)
    values = {
        "name": data.name or data.slug,
        "type": data.type,
        "url": data.url,
        "secret": dict(data.secret or {}),
        "events": list(data.events),
        "products": {k: v for k, v in (data.products or {}).items() if v},
    }
    channel = Channel.objects.filter(slug=data.slug).first()
    if channel is None:
        channel = Channel.objects.create(slug=data.slug, **values)
        record(actor=actor, action="channel.create", obj=channel, changes={"url": [None, data.url]})
        return channel, "created"
    before = {k: getattr(channel, k) for k in values}
    if before == values:
        return channel, "unchanged"
    for k, v in values.items():
        setattr(channel, k, v)
    if channel.paused_at is not None and before["url"] != values["url"]:
        channel.paused_at = None  # a new URL is a new chance
        channel.failing_since = None
    channel.save()
    changes = {k: [before[k], values[k]] for k in values if before[k] != values[k] and k != "secret"}
    if before["secret"] != values["secret"]:
        changes["secret"] = ["(reference changed)", "(reference changed)"]
    record(actor=actor, action="channel.update", obj=channel, changes=changes)
    return channel, "updated"


def resume_channel(*, actor: Actor, channel: Channel) -> Channel:
    policy.require(actor, "channel.manage")
    Channel.objects.filter(pk=channel.pk).update(paused_at=None, failing_since=None)
    record(actor=actor, action="channel.resume", obj=channel)
    channel.refresh_from_db()
    return channel


def delete_channel(*, actor: Actor, channel: Channel) -> None:
    policy.require(actor, "channel.manage")
    record(actor=actor, action="channel.delete", obj=channel)
    channel.delete()


def get_channel(slug: str, *, field: str = "channel") -> Channel:
    channel = Channel.objects.filter(slug=slug).first()
    if channel is None:
        raise NotFound(f"no channel {slug!r}", field=field)
    return channel


def send_test(*, actor: Actor, channel: Channel) -> Delivery:
    """Queue a test message to one channel (even a paused one) and return its delivery."""
    policy.require(actor, "channel.test")
    now = timezone.now()
    notification = Notification.objects.create(
        event="channel.test",
        actor=actor.label,
        subject={"channel": channel.slug},
        url=_site_url(reverse("notifications:channels")),
        text=registry.get_event("channel.test").render({"channel": channel.name}),
        occurred_at=now,
    )
    delivery = Delivery.objects.create(
        notification=notification, medium=Delivery.Medium.CHANNEL, channel=channel, next_attempt_at=now
    )
    _enqueue(delivery.pk)
    record(actor=actor, action="channel.test", obj=channel)
    return delivery


def delivery_log(*, limit: int | None = 100, channel: Channel | None = None) -> Any:
    """Deliveries, newest first (the whole queryset with ``limit=None``, for paging)."""
    qs = Delivery.objects.exclude(medium=Delivery.Medium.INAPP).select_related(
        "notification", "channel", "person"
    )
    if channel is not None:
        qs = qs.filter(channel=channel)
    qs = qs.order_by("-id").prefetch_related("attempt_log")
    return qs if limit is None else list(qs[:limit])


def delivery_dict(delivery: Delivery) -> dict[str, Any]:
    target = delivery.channel.slug if delivery.channel else (delivery.person.email if delivery.person else "")
    return {
        "id": delivery.pk,
        "notification_id": str(delivery.notification_id),
        "event": delivery.notification.event,
        "medium": delivery.medium,
        "target": target,
        "status": delivery.status,
        "last_error": delivery.last_error,
        "attempts": [
            {
                "at": a.at.isoformat(),
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
                "ok": a.ok,
            }
            for a in delivery.attempt_log.all()
        ],
    }
