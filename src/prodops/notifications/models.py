"""Channels, notifications, their deliveries (with every attempt) and people's choices."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from prodops.catalog.models import SLUG_VALIDATOR, Person, Product


class Channel(models.Model):
    """Where notifications go besides people: a Slack or Teams webhook, a generic
    webhook, an email address. Config as code (kind ``Channel``). ``secret`` holds a
    *reference* (``{"env": NAME}`` or ``{"file": PATH}``), never the value."""

    class Type(models.TextChoices):
        EMAIL = "email", "Email"
        SLACK = "slack", "Slack-compatible webhook"
        TEAMS = "teams", "Microsoft Teams workflow"
        WEBHOOK = "webhook", "Generic webhook"

    slug = models.CharField(max_length=63, unique=True, validators=[SLUG_VALIDATOR])
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=16, choices=Type.choices)
    url = models.CharField(max_length=1000, help_text="Webhook URL, or mailto:address for email.")
    secret = models.JSONField(default=dict, blank=True, help_text='{"env": NAME} or {"file": PATH}.')
    events = models.JSONField(default=list, help_text="Event names this channel receives.")
    products = models.JSONField(default=dict, blank=True, help_text="Selector: tags, teams, tiers, stages.")
    paused_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name

    def selector_text(self) -> str:
        """The product selector in words: "tiers: 1, 2; stages: operate" or "all products"."""
        parts = [
            f"{key}: {', '.join(str(v) for v in self.products[key])}"
            for key in ("tags", "teams", "tiers", "stages")
            if (self.products or {}).get(key)
        ]
        return "; ".join(parts) or "all products"


class Notification(models.Model):
    """Something happened that people should hear about. The id is the webhook's
    ``Idempotency-Key``. ``key`` (optional) makes a notification happen once: a second
    notify() with the same event and key is ignored (e.g. a waiver's 7-day warning)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.CharField(max_length=64, db_index=True)
    key = models.CharField(max_length=200, blank=True, default="")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    product_data = models.JSONField(default=dict, help_text="slug, name, stage when it happened.")
    actor = models.CharField(max_length=254)
    subject = models.JSONField(default=dict)
    url = models.CharField(max_length=1000, blank=True, default="")
    text = models.TextField(help_text="The readable message.")
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "key"], condition=~Q(key=""), name="notification_once_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.product_data.get('slug', '')}"


class Delivery(models.Model):
    """One notification to one recipient: a person's email or in-app list, or a channel.
    Unique per (notification, channel) and (notification, person, medium), and claimed
    by compare-and-set before sending, so each is sent once however many workers run."""

    class Medium(models.TextChoices):
        EMAIL = "email", "Email"
        INAPP = "inapp", "In-app"
        CHANNEL = "channel", "Channel"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        DIGEST = "digest", "Waiting for the daily digest"

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    medium = models.CharField(max_length=16, choices=Medium.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=100, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"],
                condition=Q(channel__isnull=False),
                name="delivery_once_channel",
            ),
            models.UniqueConstraint(
                fields=["notification", "person", "medium"],
                condition=Q(person__isnull=False),
                name="delivery_once_person",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "medium", "read_at"], name="delivery_inbox"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]

    def __str__(self) -> str:
        target = self.channel or self.person
        return f"{self.notification} → {self.medium} {target}"


class Attempt(models.Model):
    """One try at sending a delivery: when, the HTTP status (if any), the error, how long."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)
    ok = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"attempt {self.pk} {self.status_code or self.error[:40]}"


class Preference(models.Model):
    """How a person hears about one kind of event: at once, in a daily digest, or not."""

    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", "Immediately"
        DIGEST = "digest", "Daily digest"
        OFF = "off", "Off"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notification_preferences")
    event = models.CharField(max_length=64)
    mode = models.CharField(max_length=16, choices=Mode.choices)

    class Meta:
        ordering = ["person", "event"]
        constraints = [models.UniqueConstraint(fields=["person", "event"], name="preference_unique")]

    def __str__(self) -> str:
        return f"{self.person} {self.event}: {self.mode}"


class DigestSchedule(models.Model):
    """When a person's daily digest goes out: at or after ``hour`` in ``time_zone``
    (empty: the site's defaults, ``PRODOPS_DIGEST_HOUR`` and ``TIME_ZONE``), once per
    local day. ``last_sent_on`` (a local date) is claimed by compare-and-set before
    sending, so a digest goes once a day however many workers run the job."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="digest_schedule")
    hour = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="0-23; empty: the site's default."
    )
    time_zone = models.CharField(max_length=64, blank=True, default="", help_text="e.g. Europe/Berlin.")
    last_sent_on = models.DateField(null=True, blank=True, help_text="The local day of the last digest.")

    def __str__(self) -> str:
        return f"{self.person} digest at {self.hour}:00 {self.time_zone}"
