"""Delivery and operations events: deployments, changes, incidents, defects, tickets,
pages and usage.

Every event table has a nullable ``product``: an event that cannot be mapped to a
product is kept (``product`` NULL, ``origin`` says where it came from) and listed as
unmapped, never dropped. ``(source, external_id)`` identifies an event in the system
it came from, so a replayed webhook or a re-imported file updates instead of
duplicating.

Indexes lead with ``(product, <time>)`` because every metric query is "this product (or
these products), in this time window". The tables are ready for time partitioning on
PostgreSQL (see docs/events.md, "Partitioning"): no table has a foreign key *to* an event
table, and every query filters on the time column that would be the partition key.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

SOURCES = ("prodops", "github", "gitlab", "pagerduty", "opsgenie")


class Event(models.Model):
    """Fields every event shares."""

    source = models.CharField(max_length=32, default="prodops", help_text="Where it came from.")
    external_id = models.CharField(max_length=200, help_text="Its id in the source system.")
    origin = models.CharField(
        max_length=300,
        blank=True,
        default="",
        help_text="Repository URL or integration id it came with (used to map it to a product).",
    )

    class Meta:
        abstract = True


class Deployment(Event):
    class Status(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILURE = "failure", "Failure"

    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="deployments"
    )
    environment = models.CharField(max_length=64, default="production")
    deployed_at = models.DateTimeField()
    sha = models.CharField(max_length=64, blank=True, default="")
    version = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUCCESS)
    rework = models.BooleanField(
        default=False, help_text="Unplanned: deployed to fix a user-facing problem (DORA rework rate)."
    )
    additional_shas = models.JSONField(
        default=list, blank=True, help_text="Four Keys' additional_sha: other pushes this deployment ships."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="deployment_source_id"),
        ]
        indexes = [
            models.Index(fields=["product", "environment", "deployed_at"], name="deployment_product_env_at"),
            models.Index(fields=["sha"], name="deployment_sha"),
        ]
        ordering = ["-deployed_at"]

    def __str__(self) -> str:
        label = self.version or self.sha[:12]
        return f"deployment {label} {self.status} at {self.deployed_at:%Y-%m-%d %H:%M}"


class Change(Event):
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="changes"
    )
    sha = models.CharField(max_length=64)
    authored_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField()
    push_sha = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="Head commit of the push that carried it (Four Keys links deployments through it).",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="change_source_id"),
        ]
        indexes = [
            models.Index(fields=["product", "committed_at"], name="change_product_at"),
            models.Index(fields=["sha"], name="change_sha"),
            models.Index(fields=["push_sha"], name="change_push_sha"),
        ]
        ordering = ["-committed_at"]

    def __str__(self) -> str:
        return f"change {self.sha[:12]}"


class Incident(Event):
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="incidents"
    )
    title = models.CharField(max_length=500, blank=True, default="")
    severity = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 (worst) to 5, shown as sev1..sev5.",
    )
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    root_cause_sha = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="incident_source_id"),
            models.CheckConstraint(condition=Q(severity__gte=1, severity__lte=5), name="incident_severity"),
        ]
        indexes = [
            models.Index(fields=["product", "opened_at"], name="incident_product_at"),
            models.Index(
                fields=["product", "severity"], name="incident_open", condition=Q(resolved_at__isnull=True)
            ),
        ]
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"sev{self.severity} {self.title or self.external_id}"


class Defect(Event):
    class Severity(models.TextChoices):
        CRITICAL = "critical", "Critical"
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="defects"
    )
    title = models.CharField(max_length=500, blank=True, default="")
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.MEDIUM)
    found_at = models.DateTimeField()
    fixed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="defect_source_id"),
        ]
        indexes = [
            models.Index(fields=["product", "found_at"], name="defect_product_at"),
            models.Index(
                fields=["product", "severity"], name="defect_open", condition=Q(fixed_at__isnull=True)
            ),
        ]
        ordering = ["-found_at"]

    def __str__(self) -> str:
        return f"{self.severity} defect {self.title or self.external_id}"


class Ticket(Event):
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="tickets"
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    handle_minutes = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    rating = models.CharField(
        max_length=8,
        blank=True,
        default="",
        choices=[("good", "Good"), ("bad", "Bad")],
        help_text="The customer's satisfaction rating, if they gave one (CSAT).",
    )
    rated_at = models.DateTimeField(null=True, blank=True, help_text="When the rating was given.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="ticket_source_id"),
        ]
        indexes = [models.Index(fields=["product", "opened_at"], name="ticket_product_at")]
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"ticket {self.external_id}"


class Page(Event):
    """An on-call page: a PagerDuty incident or an Opsgenie alert that woke someone."""

    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="pages"
    )
    title = models.CharField(max_length=500, blank=True, default="")
    triggered_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="page_source_id"),
        ]
        indexes = [models.Index(fields=["product", "triggered_at"], name="page_product_at")]
        ordering = ["-triggered_at"]

    def __str__(self) -> str:
        return f"page {self.title or self.external_id}"


class Usage(models.Model):
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="usage"
    )
    date = models.DateField()
    active_users = models.PositiveIntegerField()
    source = models.CharField(max_length=32, default="prodops")
    origin = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "date"], name="usage_product_date")]
        ordering = ["-date"]
        verbose_name_plural = "usage"

    def __str__(self) -> str:
        return f"{self.date}: {self.active_users} active users"


class ActiveUserDay(models.Model):
    """One anonymous user active on one UTC day for one product.

    ``user_key`` is the first 8 bytes of HMAC-SHA256(installation secret, raw key), as a
    signed 64-bit integer (events.userkeys): the raw key is never stored, and without the
    secret the stored value cannot be linked back to it. ``day`` counts UTC days since
    1970-01-01 so window arithmetic is plain integer arithmetic on every database.
    """

    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="active_user_days"
    )
    day = models.IntegerField(help_text="UTC days since 1970-01-01.")
    user_key = models.BigIntegerField(help_text="Keyed hash of the anonymous user key.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "day", "user_key"], name="active_user_day_unique")
        ]
        indexes = [models.Index(fields=["product", "user_key", "day"], name="active_user_day_by_user")]

    def __str__(self) -> str:
        return f"user {self.user_key:x} active on day {self.day}"


class ActiveUser(models.Model):
    """A user's first active day for a product (the minimum ``ActiveUserDay.day``), kept
    at ingestion so that "users new since day X" is an index range scan, not a search
    through every user's history (outcomes: retention cohorts)."""

    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="active_users")
    user_key = models.BigIntegerField()
    first_day = models.IntegerField(help_text="UTC days since 1970-01-01.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "user_key"], name="active_user_unique")]
        indexes = [models.Index(fields=["product", "first_day"], name="active_user_first_day")]

    def __str__(self) -> str:
        return f"user {self.user_key:x} first active on day {self.first_day}"


class WebhookDelivery(models.Model):
    """One webhook delivery, recorded once per (source, delivery id): a replay is
    recognised and not applied twice."""

    source = models.CharField(max_length=32)
    delivery_id = models.CharField(max_length=200)
    event = models.CharField(max_length=100, blank=True, default="")
    received_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, help_text="applied | ignored")
    detail = models.CharField(max_length=500, blank=True, default="")
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "delivery_id"], name="webhook_delivery_unique")
        ]
        indexes = [models.Index(fields=["-received_at"], name="webhook_delivery_at")]
        ordering = ["-received_at"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.source} {self.event} {self.delivery_id}"


class IngestBatch(models.Model):
    """One accepted import or bulk request: what the audit log points to."""

    source = models.CharField(max_length=32)
    via = models.CharField(max_length=16)
    actor = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    description = models.CharField(max_length=500, blank=True, default="")
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "ingest batches"

    def __str__(self) -> str:
        total = sum(int(v) for v in self.counts.values()) if self.counts else 0
        return f"{self.source} batch of {total} events"


class RefusedDelivery(models.Model):
    """A webhook delivery that was turned away (bad signature, unknown source, a payload
    that cannot be read): kept with its reason so an admin can see what a sender is
    getting wrong. None of its events are stored; its body is not kept either (it may be
    forged or huge), only its size and a few headers that carry no secret."""

    source = models.CharField(max_length=32)
    status = models.PositiveSmallIntegerField(help_text="The HTTP status answered.")
    reason = models.CharField(max_length=500)
    event = models.CharField(max_length=100, blank=True, default="")
    delivery_id = models.CharField(max_length=200, blank=True, default="")
    headers = models.JSONField(default=dict, blank=True)
    size = models.PositiveBigIntegerField(help_text="Body size in bytes.")
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["-received_at"], name="refused_delivery_at")]
        ordering = ["-received_at"]
        verbose_name_plural = "refused deliveries"

    def __str__(self) -> str:
        return f"{self.source} {self.status}: {self.reason[:60]}"
