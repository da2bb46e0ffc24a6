"""Stage transitions of a product: requested, approved by both leads, executed on
evidence (with the evaluation snapshot at that moment) or refused with the reason."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from prodops.catalog.models import Person, Product


class Transition(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        EXECUTED = "executed", "Executed"
        REFUSED = "refused", "Refused"
        CANCELLED = "cancelled", "Cancelled"

    class Kind(models.TextChoices):
        ADVANCE = "advance", "Advance"
        HANDBACK = "handback", "Handback"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.CharField(max_length=32)
    to_stage = models.CharField(max_length=32)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    requested_by = models.CharField(max_length=254)
    requested_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=254, blank=True, default="")
    refusal = models.TextField(blank=True, default="", help_text="Why it was refused or cancelled.")
    override = models.BooleanField(default=False, help_text="An admin signed in place of a lead.")
    snapshot = models.JSONField(null=True, blank=True, help_text="The gate evaluation when it was decided.")

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["product", "-requested_at"], name="transition_product_at")]

    def __str__(self) -> str:
        return f"{self.product}: {self.from_stage} → {self.to_stage} ({self.status})"


class Approval(models.Model):
    """One lead's signature on a transition (or an admin's override in a lead's place)."""

    transition = models.ForeignKey(Transition, on_delete=models.CASCADE, related_name="approvals")
    role = models.CharField(max_length=16)  # build_lead | run_lead
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT)
    actor = models.CharField(max_length=254)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    override = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["transition", "role"], name="approval_one_per_role")]

    def __str__(self) -> str:
        return f"{self.role} {self.actor}{' (override)' if self.override else ''}"
