"""Retrospectives of handovers (opened automatically after a transition into warranty or
operate and after a handback) with their data snapshot, notes, the run team's feedback
and action items."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from prodops.catalog.models import Person, Product


class Retrospective(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        HELD = "held", "Held"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="retrospectives")
    transition = models.OneToOneField(
        "lifecycle.Transition", null=True, blank=True, on_delete=models.SET_NULL, related_name="retrospective"
    )
    trigger = models.CharField(max_length=32, help_text="warranty, operate or handback.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField()
    due = models.DateField()
    held_at = models.DateTimeField(null=True, blank=True)
    snapshot = models.JSONField(default=dict)
    went_well = models.TextField(blank=True, default="")
    to_change = models.TextField(blank=True, default="")
    run_team_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    run_team_feedback = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(run_team_rating__isnull=True) | Q(run_team_rating__gte=1, run_team_rating__lte=5),
                name="retro_rating_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"retrospective of {self.product} after {self.trigger}"


class ActionItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        NOT_DOING = "not_doing", "Not doing"

    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="action_items")
    due = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    reason = models.TextField(blank=True, default="", help_text="Why not doing it.")
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["owner", "status", "due"], name="action_owner_open_due")]

    def __str__(self) -> str:
        return self.title
