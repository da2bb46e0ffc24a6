"""The handback watch of a product: since when it has been over the limits, and the
handback ProdOps proposed (a pending Transition both leads approve or reject)."""

from __future__ import annotations

from django.db import models

from prodops.catalog.models import Product


class Watch(models.Model):
    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="handback_watch")
    triggered_since = models.DateTimeField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    checked_at = models.DateTimeField()
    proposal = models.ForeignKey(
        "lifecycle.Transition", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"handback watch of {self.product}"
