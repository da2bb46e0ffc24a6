"""The catalog: people, teams and products, with two-in-a-box ownership.

A product always has *both* a build lead and a run lead: from the first stage on, the
people who build it and the people who will run it own it together (seed 000).
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
    "A slug is 1-63 lower-case letters, digits and hyphens, starting and ending with a letter or digit.",
)

# The default lifecycle. A standard may define its own stages (readiness app).
DEFAULT_STAGES = ("plan", "build", "pilot", "warranty", "operate", "retire")


class Person(models.Model):
    email = models.EmailField(unique=True, help_text="The key of a person; stored lower-case.")
    name = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["email"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name or self.email


class Team(models.Model):
    class Kind(models.TextChoices):
        BUILD = "build", "Build"
        RUN = "run", "Run"
        BUSINESS = "business", "Business"

    slug = models.CharField(max_length=63, unique=True, validators=[SLUG_VALIDATOR])
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    capacity_hours_per_week = models.FloatField(default=0, validators=[MinValueValidator(0)])
    members = models.ManyToManyField(Person, related_name="teams", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    slug = models.CharField(max_length=63, unique=True, validators=[SLUG_VALIDATOR])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    tier = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text="Criticality: 1 is the most critical, 4 the least.",
    )
    stage = models.CharField(max_length=32, default="plan", db_index=True)
    standard = models.CharField(max_length=63, default="default", help_text="Slug of the standard.")
    tags = models.JSONField(default=list, blank=True)
    links = models.JSONField(default=dict, blank=True, help_text="name → URL, e.g. repo, dashboard.")
    build_lead = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="builds")
    run_lead = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="runs")
    build_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="built_products"
    )
    run_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="run_products"
    )
    oncall = models.JSONField(
        default=dict, blank=True, help_text="On-call rotation: {rotation, team, schedule_url}."
    )
    warranty = models.JSONField(
        default=dict, blank=True, help_text="Warranty policy: {threshold, min_days, max_days, severities}."
    )
    integrations = models.JSONField(
        default=dict, blank=True, help_text="Ids in outside tools, e.g. {pagerduty_service: PXXXX}."
    )
    facts = models.JSONField(default=dict, blank=True, help_text="Custom facts: key → value.")
    go_live = models.DateField(null=True, blank=True, help_text="Production go-live date.")
    version = models.PositiveIntegerField(
        default=1, help_text="Incremented on every change; stale updates are refused."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        indexes = [models.Index(fields=["tier", "stage"], name="product_tier_stage")]

    def __str__(self) -> str:
        return self.name


class Stakeholder(models.Model):
    """Someone outside the two leads who has a stake: design, sales, marketing, ..."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stakeholders")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="stakes")
    function = models.CharField(max_length=64)

    class Meta:
        ordering = ["function", "person__email"]
        constraints = [
            models.UniqueConstraint(fields=["product", "person", "function"], name="stakeholder_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.function})"


class SLO(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="slos")
    name = models.CharField(max_length=100)
    objective = models.FloatField(help_text="Target, in percent (e.g. 99.9).")
    window = models.CharField(max_length=16, default="30d")
    description = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["product", "name"], name="slo_unique")]
        verbose_name = "SLO"

    def __str__(self) -> str:
        return f"{self.name} {self.objective}% / {self.window}"
