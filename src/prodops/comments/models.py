"""Comments on a product, or on one of its transitions, waivers or risks."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from prodops.catalog.models import Person, Product


class Comment(models.Model):
    class Target(models.TextChoices):
        PRODUCT = "product", "Product"
        TRANSITION = "transition", "Transition"
        WAIVER = "waiver", "Waiver"
        RISK = "risk", "Risk"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="comments")
    target = models.CharField(max_length=16, choices=Target.choices, default=Target.PRODUCT)
    target_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="Empty for the product.")
    author = models.CharField(max_length=254, help_text="The actor's label.")
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(help_text="Markdown, as written.")
    html = models.TextField(help_text="The body rendered and sanitized (nh3).")
    mentions = models.ManyToManyField(Person, blank=True, related_name="mentioned_in")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["product", "-created_at"], name="comment_product_at")]

    def __str__(self) -> str:
        where = self.target if self.target_id is None else f"{self.target} {self.target_id}"
        return f"comment on {where} by {self.author}"
