"""Notifications over the API: your in-app list (and marking it read), your
preferences, channels (product operations), the delivery log and a channel test."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router

from prodops.accounts import policy
from prodops.accounts.auth import api_actor
from prodops.catalog.models import Person
from prodops.core.actors import Actor
from prodops.core.errors import NotFound, PermissionDenied
from prodops.core.pagination import Envelope, Mapped, paginate
from prodops.notifications import services
from prodops.notifications.models import Channel, Delivery
from prodops.notifications.schemas import (
    ChannelIn,
    ChannelOut,
    DeliveryOut,
    DigestScheduleIn,
    DigestScheduleOut,
    NotificationOut,
    PreferenceIn,
)

router = Router(tags=["notifications"])


def _actor(request: HttpRequest) -> Actor:
    return api_actor(request)


def _me(actor: Actor) -> Person:
    person = services.person_for(actor)
    if person is None:
        raise NotFound("your account is not linked to a person in the catalog (same email)")
    return person


def _notification(d: Delivery) -> NotificationOut:
    n = d.notification
    return NotificationOut(
        id=d.pk,
        notification_id=str(n.pk),
        event=n.event,
        text=n.text,
        url=n.url,
        product=n.product_data.get("slug"),
        occurred_at=n.occurred_at,
        read=d.read_at is not None,
    )


@router.get("/notifications", response=list[NotificationOut])
@paginate(Envelope)
def my_notifications(request: HttpRequest, unread: bool = False) -> Any:
    qs = services.inbox(person=_me(_actor(request)))
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return Mapped(qs, _notification)


@router.post("/notifications/read", response=dict[str, int])
def mark_read(request: HttpRequest, ids: list[int] | None = None) -> dict[str, int]:
    actor = _actor(request)
    with transaction.atomic():
        count = services.mark_read(actor=actor, person=_me(actor), delivery_ids=ids)
    return {"marked": count}


@router.get("/notifications/preferences", response=dict[str, str])
def my_preferences(request: HttpRequest) -> dict[str, str]:
    return services.preferences(person=_me(_actor(request)))


@router.put("/notifications/preferences", response=dict[str, str])
def set_preference(request: HttpRequest, payload: PreferenceIn) -> dict[str, str]:
    actor = _actor(request)
    person = _me(actor)
    with transaction.atomic():
        services.set_preference(actor=actor, person=person, event=payload.event, mode=payload.mode)
    return services.preferences(person=person)


@router.get("/notifications/digest", response=DigestScheduleOut)
def my_digest_schedule(request: HttpRequest) -> DigestScheduleOut:
    """Your daily digest's hour and time zone (the site's defaults filled in)."""
    hour, zone = services.digest_schedule(_me(_actor(request)))
    return DigestScheduleOut(hour=hour, time_zone=zone)


@router.put("/notifications/digest", response=DigestScheduleOut)
def set_digest_schedule(request: HttpRequest, payload: DigestScheduleIn) -> DigestScheduleOut:
    actor = _actor(request)
    person = _me(actor)
    with transaction.atomic():
        services.set_digest_schedule(
            actor=actor, person=person, hour=payload.hour, time_zone=payload.time_zone
        )
    hour, zone = services.digest_schedule(person)
    return DigestScheduleOut(hour=hour, time_zone=zone)


def _channel_out(c: Channel) -> ChannelOut:
    return ChannelOut(
        slug=c.slug,
        name=c.name,
        type=c.type,
        url=c.url,
        secret=c.secret,
        events=c.events,
        products=c.products,
        paused_at=c.paused_at,
        last_error=c.last_error,
        last_error_at=c.last_error_at,
    )


@router.get("/channels", response=list[ChannelOut])
@paginate(Envelope)
def channels(request: HttpRequest) -> list[ChannelOut]:
    return [_channel_out(c) for c in Channel.objects.all()]


@router.put("/channels/{slug}", response=ChannelOut)
def put_channel(request: HttpRequest, slug: str, payload: ChannelIn) -> ChannelOut:
    data = services.ChannelData(
        slug=slug,
        name=payload.name,
        type=payload.type,
        url=payload.url,
        secret=payload.secret.ref() if payload.secret else {},
        events=list(payload.events),
        products=payload.products.model_dump(exclude_defaults=True) if payload.products else {},
    )
    with transaction.atomic():
        channel, _ = services.save_channel(actor=_actor(request), data=data)
    return _channel_out(channel)


@router.post("/channels/{slug}/test", response={202: dict[str, Any]})
def test_channel(request: HttpRequest, slug: str) -> tuple[int, dict[str, Any]]:
    with transaction.atomic():
        delivery = services.send_test(actor=_actor(request), channel=services.get_channel(slug, field="slug"))
    return 202, {"delivery": delivery.pk, "status": delivery.status}


@router.get("/notifications/deliveries", response=list[DeliveryOut])
@paginate(Envelope)
def deliveries(request: HttpRequest, channel: str = "") -> Any:
    actor = _actor(request)
    if not policy.allows(actor, "notification.log"):
        raise PermissionDenied("only product operations and admins see the delivery log")
    selected = services.get_channel(channel) if channel else None
    return Mapped(services.delivery_log(limit=None, channel=selected), services.delivery_dict)
