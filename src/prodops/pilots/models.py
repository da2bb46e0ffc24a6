"""A product's pilot: its plan, the observations per metric and cohort, feedback from
pilot users, and the decision (proceed, extend, stop) that both leads sign."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from prodops.catalog.models import Person, Product


class Pilot(models.Model):
    """The plan (``schemas.PilotSpec`` as plain data), one per product."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="pilot")
    plan = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"pilot of {self.product}"


class Observation(models.Model):
    """Successes/trials (a proportion) or count/exposure (a rate) of one metric in one
    cohort (blank: the pilot as a whole), observed over some period. Judgement pools them."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="pilot_observations")
    metric = models.CharField(max_length=63)
    cohort = models.CharField(max_length=63, blank=True, default="")
    successes = models.PositiveBigIntegerField(null=True, blank=True)
    trials = models.PositiveBigIntegerField(null=True, blank=True)
    count = models.PositiveBigIntegerField(null=True, blank=True)
    exposure = models.FloatField(null=True, blank=True)
    users = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="People of the cohort exposed so far (cumulative)."
    )
    observed_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=254)
    source = models.CharField(max_length=16, default="api", help_text="api, cli, csv or web.")

    class Meta:
        ordering = ["observed_at", "id"]
        indexes = [models.Index(fields=["product", "metric"], name="pilot_obs_product_metric")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(successes__isnull=True) & Q(trials__isnull=True))
                | Q(successes__lte=models.F("trials")),
                name="pilot_obs_successes_le_trials",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.cohort or 'pilot'} at {self.observed_at:%Y-%m-%d}"


class Feedback(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="pilot_feedback")
    author = models.CharField(max_length=254)
    cohort = models.CharField(max_length=63, blank=True, default="")
    rating = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="pilot_feedback_rating"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 from {self.author}"


class Decision(models.Model):
    """What to do with the pilot, signed by both leads (two different people), with the
    evidence (the pilot status) as it was when it was proposed."""

    class Outcome(models.TextChoices):
        PROCEED = "proceed", "Proceed"
        EXTEND = "extend", "Extend"
        STOP = "stop", "Stop"

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting signatures"
        SIGNED = "signed", "Signed"
        SUPERSEDED = "superseded", "Superseded"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="pilot_decisions")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    snapshot = models.JSONField(help_text="The pilot status when the decision was proposed.")
    proposed_by = models.CharField(max_length=254)
    proposed_at = models.DateTimeField()
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.outcome} ({self.status})"


class DecisionSignature(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="signatures")
    role = models.CharField(max_length=16)  # build_lead | run_lead
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT)
    actor = models.CharField(max_length=254)
    override = models.BooleanField(default=False)
    reason = models.TextField(blank=True, default="", help_text="Why an admin signed in a lead's place.")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "role"], name="pilot_signature_one_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.actor}"
