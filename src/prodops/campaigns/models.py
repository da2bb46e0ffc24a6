"""Best-practice campaigns: a set of criteria rolled out to a selection of products by a
target date, with a daily snapshot for the burn-up and a record of reminders sent."""

from __future__ import annotations

from django.db import models

from prodops.catalog.models import Product


class Campaign(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    slug = models.SlugField(max_length=63, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    standard = models.CharField(max_length=63, help_text="The standard the criteria come from.")
    standard_version = models.PositiveIntegerField(help_text="Its version when the campaign was launched.")
    stages = models.JSONField(default=list, help_text="The standard's stages (gates of the criteria).")
    criteria = models.JSONField(
        help_text="The criteria as they were at launch (readiness criterion specs), each with an "
        "optional enforce_from date."
    )
    selection = models.JSONField(default=dict, blank=True, help_text="{tiers, teams, tags, stages}.")
    start = models.DateField()
    target = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    created_by = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["target", "slug"]

    def __str__(self) -> str:
        return self.name


class Snapshot(models.Model):
    """The campaign's progress on one day: criteria passing (``done``) of all that apply
    to the selected products (``scope``), and per product the ids passing."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="snapshots")
    day = models.DateField()
    done = models.PositiveIntegerField()
    scope = models.PositiveIntegerField()
    products = models.JSONField(default=dict, help_text="product slug -> [criterion ids passing].")

    class Meta:
        ordering = ["campaign", "day"]
        constraints = [models.UniqueConstraint(fields=["campaign", "day"], name="campaign_snapshot_day")]

    def __str__(self) -> str:
        return f"{self.day}: {self.done}/{self.scope}"


class Reminder(models.Model):
    """A reminder sent to a product's leads N days before the target (sent once)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="reminders")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()
    failing = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "product", "days_before"], name="campaign_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.days_before} days before {self.campaign}"
