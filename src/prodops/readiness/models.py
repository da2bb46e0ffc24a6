"""Standards, evaluation results with their history, attestations and waivers."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from prodops.catalog.models import SLUG_VALIDATOR, Person, Product


class Standard(models.Model):
    """A versioned definition of done for every stage. ``spec`` is the manifest's spec
    (criteria, optional stages); ``version`` grows by one each time the spec changes."""

    slug = models.CharField(max_length=63, unique=True, validators=[SLUG_VALIDATOR])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    spec = models.JSONField(default=dict)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the canonical spec.")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class ProductEvaluation(models.Model):
    """The latest evaluation of one product against its standard.

    ``results`` maps criterion id → ``{status, value, since, message}`` (``since``: when
    the status last changed; ``message`` left out when it only repeats a failing rule).
    One row per product keeps a full re-evaluation of a large portfolio to a few
    thousand row updates; the history lives in EvaluationChange.
    """

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="evaluation")
    standard = models.CharField(max_length=63)
    standard_version = models.PositiveIntegerField()
    evaluated_at = models.DateTimeField()
    results = models.JSONField(default=dict)
    next_gate = models.CharField(max_length=32, blank=True, default="")
    ready = models.BooleanField(default=False, help_text="Ready to enter the next stage.")
    counts = models.JSONField(default=dict, help_text="status → number of criteria.")
    digest = models.CharField(max_length=32, blank=True, default="", help_text="Fingerprint of the results.")

    class Meta:
        indexes = [models.Index(fields=["ready", "next_gate"], name="readiness_ready_gate")]

    def __str__(self) -> str:
        return f"{self.product} @ {self.evaluated_at:%Y-%m-%d %H:%M}"


class EvaluationChange(models.Model):
    """History: a criterion's status changed for a product (``old_status`` empty: the
    criterion was evaluated for the first time after the product was first evaluated)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="evaluation_changes")
    criterion = models.CharField(max_length=100)
    gate = models.CharField(max_length=32)
    old_status = models.CharField(max_length=16, blank=True, default="")
    new_status = models.CharField(max_length=16)
    value = models.JSONField(null=True, blank=True)
    message = models.TextField(blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["product", "-at"], name="readiness_change_product_at")]

    def __str__(self) -> str:
        return f"{self.product} {self.criterion}: {self.old_status or '-'} → {self.new_status}"


class Attestation(models.Model):
    """A person in the criterion's role vouches for it, with evidence, until it expires."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="attestations")
    criterion = models.CharField(max_length=100)
    role = models.CharField(max_length=80)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT)
    actor = models.CharField(max_length=254, help_text="Who attested, as recorded in the audit log.")
    override = models.BooleanField(default=False, help_text="An admin attested in place of the role.")
    evidence_url = models.URLField(max_length=500)
    comment = models.TextField(blank=True, default="")
    attested_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-attested_at", "-id"]
        indexes = [
            models.Index(fields=["product", "criterion", "-attested_at"], name="readiness_attest_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.criterion} by {self.actor}"


class Waiver(models.Model):
    """Risk acceptance for one failing criterion, signed by both leads, until it expires."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="waivers")
    criterion = models.CharField(max_length=100)
    reason = models.TextField()
    risk = models.ForeignKey(
        "risks.Risk",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="waivers",
        help_text="The risk of the register that this waiver accepts (RISK-<id>), if any.",
    )
    expires_at = models.DateTimeField()
    created_by = models.CharField(max_length=254)
    created_at = models.DateTimeField()
    build_lead_signed_by = models.CharField(max_length=254, blank=True, default="")
    build_lead_signed_at = models.DateTimeField(null=True, blank=True)
    build_lead_override = models.BooleanField(default=False)
    run_lead_signed_by = models.CharField(max_length=254, blank=True, default="")
    run_lead_signed_at = models.DateTimeField(null=True, blank=True)
    run_lead_override = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=254, blank=True, default="")
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["expires_at", "id"]
        indexes = [models.Index(fields=["product", "criterion"], name="readiness_waiver_lookup")]

    def __str__(self) -> str:
        return f"waiver {self.pk}: {self.product} {self.criterion} until {self.expires_at:%Y-%m-%d}"

    @property
    def signed(self) -> bool:
        """In force once both roles signed, by two different people (or by an admin's
        recorded override): one person can never stand for both leads."""
        if self.build_lead_signed_at is None or self.run_lead_signed_at is None:
            return False
        return (
            self.build_lead_signed_by.lower() != self.run_lead_signed_by.lower()
            or self.build_lead_override
            or self.run_lead_override
        )


def signed_by_two() -> models.Q:
    """The database form of ``Waiver.signed``."""
    return models.Q(build_lead_signed_at__isnull=False, run_lead_signed_at__isnull=False) & (
        ~models.Q(build_lead_signed_by__iexact=models.F("run_lead_signed_by"))
        | models.Q(build_lead_override=True)
        | models.Q(run_lead_override=True)
    )


class PendingEvaluation(models.Model):
    """A product whose facts changed and whose re-evaluation is queued. At most one row
    (and so one queued task) per product however many changes arrive before the worker
    gets to it; the task deletes the row as it starts. Pages show "re-evaluating…"
    while the row exists."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, primary_key=True, related_name="+")
    requested_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"re-evaluate product {self.product_id}"
