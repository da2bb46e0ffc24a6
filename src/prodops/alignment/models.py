"""The alignment survey: each stakeholder ranks the four ProdOps aims and states the
product's north star in their own words (seed 001, "What are you trying to achieve for
this product?").

A product has survey *rounds* (typically one per stage). A person has one *current*
answer per round; answering again keeps the earlier answer as history
(``current=False``), so W over time can be redrawn.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

ITEMS = ("delight", "adoption", "retention", "support")
ITEM_LABELS = {
    "delight": "Products and features that delight customers",
    "adoption": "Customers adopt the product",
    "retention": "Customers are retained and grow their lifetime value",
    "support": "Customers are well served when they need support",
}


class Round(models.Model):
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="alignment_rounds")
    number = models.PositiveIntegerField(help_text="1, 2, ... per product.")
    stage = models.CharField(max_length=32, help_text="The product's stage when the round opened.")
    opened_at = models.DateTimeField()
    opened_by = models.CharField(max_length=254, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "number"], name="alignment_round_number")]
        ordering = ["product", "-number"]

    def __str__(self) -> str:
        return f"{self.product} alignment round {self.number} ({self.stage})"


class Response(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="responses")
    person = models.ForeignKey("catalog.Person", on_delete=models.CASCADE, related_name="alignment_responses")
    function = models.CharField(max_length=64)
    north_star = models.TextField(blank=True, default="")
    ranking = models.JSONField(help_text="{item: number} as answered; equal numbers tie.")
    answered_at = models.DateTimeField()
    current = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "person"], condition=Q(current=True), name="alignment_one_current_answer"
            )
        ]
        indexes = [models.Index(fields=["round", "answered_at"], name="alignment_response_at")]
        ordering = ["round", "function", "answered_at"]

    def __str__(self) -> str:
        return f"{self.person} ({self.function}) in {self.round}"
