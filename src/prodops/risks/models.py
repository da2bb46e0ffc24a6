"""The risk register and the known-error database of a product.

Support must "understand unmitigated risks, defects, workarounds" before it accepts a
product (seed 002). Risks are scored likelihood x impact on the usual 5 x 5 matrix;
known errors carry the workaround support needs at 3 a.m.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from prodops.catalog.models import Person, Product

# A score at or above this is "high" on the 5 x 5 matrix (e.g. likely 3 x severe 5).
HIGH_SCORE = 15
SCALE = [MinValueValidator(1), MaxValueValidator(5)]


class Risk(models.Model):
    """One risk. Its primary key is its stable id (shown as ``RISK-<id>``): waivers that
    accept a risk refer to it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MITIGATING = "mitigating", "Mitigating"
        ACCEPTED = "accepted", "Accepted"
        CLOSED = "closed", "Closed"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="risks")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    likelihood = models.PositiveSmallIntegerField(
        validators=SCALE, help_text="1 (rare) to 5 (almost certain)."
    )
    impact = models.PositiveSmallIntegerField(validators=SCALE, help_text="1 (negligible) to 5 (severe).")
    score = models.PositiveSmallIntegerField(editable=False, help_text="likelihood x impact, 1..25.")
    owner = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="risks")
    mitigation = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    next_review = models.DateField(help_text="When the risk must be looked at again.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(likelihood__gte=1, likelihood__lte=5), name="risk_likelihood_1_5"
            ),
            models.CheckConstraint(condition=models.Q(impact__gte=1, impact__lte=5), name="risk_impact_1_5"),
        ]
        indexes = [models.Index(fields=["product", "status"], name="risk_product_status")]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.score = int(self.likelihood) * int(self.impact)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def ref(self) -> str:
        return f"RISK-{self.pk}" if self.pk else "RISK-new"


class KnownError(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="known_errors")
    title = models.CharField(max_length=200)
    symptom = models.TextField(help_text="What support sees.")
    cause = models.TextField(blank=True, default="")
    workaround = models.TextField(blank=True, default="")
    defect_id = models.CharField(
        max_length=200, blank=True, default="", help_text="External id of the linked defect (events.Defect)."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["product", "status"], name="knownerror_product_status")]

    def __str__(self) -> str:
        return f"KE-{self.pk} {self.title}"

    @property
    def ref(self) -> str:
        return f"KE-{self.pk}" if self.pk else "KE-new"
