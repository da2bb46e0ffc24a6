"""What the run team needs to know before it accepts a product: documents, training,
support sign-offs, and the expected support load.

Support should be "privy to product architecture, design and requirements" (seed 002);
these records are measured as facts (``knowledge/facts.py``) for the readiness engine.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from prodops.catalog.models import Person, Product

# The kinds every install knows. More can be added with the PRODOPS_DOC_KINDS_EXTRA
# setting (a list of identifiers), so an organisation may track e.g. "threat_model".
DEFAULT_DOC_KINDS = (
    "runbook",
    "architecture",
    "design",
    "requirements",
    "support_guide",
    "user_guide",
    "faq",
)


def doc_kinds() -> tuple[str, ...]:
    extra = tuple(getattr(settings, "PRODOPS_DOC_KINDS_EXTRA", ()) or ())
    return DEFAULT_DOC_KINDS + tuple(k for k in extra if k not in DEFAULT_DOC_KINDS)


def validate_doc_kind(value: str) -> None:
    if value not in doc_kinds():
        raise ValidationError(f"Unknown document kind {value!r}; expected one of: {', '.join(doc_kinds())}.")


def stale_before(today: date) -> date:
    """Documents last reviewed before this day are stale."""
    return today - timedelta(days=settings.PRODOPS_DOC_STALE_DAYS)


class CurrentDocuments(models.Manager["Document"]):
    """Documents not archived: what every page, fact, pack and API reads."""

    def get_queryset(self) -> models.QuerySet[Document]:
        return super().get_queryset().filter(archived_at__isnull=True)


class Document(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=32, validators=[validate_doc_kind])
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True, default="")
    body = models.TextField(blank=True, default="", help_text="Inline Markdown, when there is no URL.")
    owner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    reviewed = models.DateField(null=True, blank=True, help_text="When the content was last reviewed.")
    archived_at = models.DateTimeField(
        null=True, blank=True, help_text="Archived: kept for the record, no longer counted or shown."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    all_objects = models.Manager()
    objects = CurrentDocuments()

    class Meta:
        ordering = ["kind", "title"]
        default_manager_name = "objects"
        base_manager_name = "all_objects"
        constraints = [
            # (kind, title) identifies a current document inside a product, so config as
            # code can apply a list of documents idempotently; archived ones may repeat.
            models.UniqueConstraint(
                fields=["product", "kind", "title"],
                condition=models.Q(archived_at__isnull=True),
                name="document_unique",
            ),
        ]
        indexes = [models.Index(fields=["product", "kind"], name="document_product_kind")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if not self.title.strip():
            raise ValidationError({"title": ["A document needs a title."]})
        if not self.url and not self.body:
            raise ValidationError({"url": ["Give a URL or an inline Markdown body."]})

    def is_stale(self, today: date) -> bool:
        """Never reviewed counts as stale: nobody has vouched for the content."""
        return self.reviewed is None or self.reviewed < stale_before(today)


class TrainingSession(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="training_sessions")
    topic = models.CharField(max_length=200)
    date = models.DateField()
    trainer = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="trainings_given"
    )
    attendees = models.ManyToManyField(Person, related_name="trainings_attended", blank=True)
    notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "topic"]

    def __str__(self) -> str:
        return f"{self.topic} ({self.date.isoformat()})"


class SupportSignoff(models.Model):
    """A run-team member's "I can support this". Withdrawing keeps the row (and its
    history in the audit log) but stops it counting."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="support_signoffs")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="support_signoffs")
    comment = models.TextField(blank=True, default="")
    signed_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["person__email"]
        constraints = [models.UniqueConstraint(fields=["product", "person"], name="signoff_unique")]

    def __str__(self) -> str:
        state = "withdrawn" if self.withdrawn_at else "signed"
        return f"{self.person} {state} support of {self.product_id}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class SupportEstimate(models.Model):
    """The expected support load of a product, in hours per week. A manual estimate for
    now; once events land it can be derived from tickets and incidents."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="support_estimate")
    hours_per_week = models.FloatField(validators=[MinValueValidator(0)])
    basis = models.CharField(max_length=300, blank=True, default="", help_text="How it was estimated.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.hours_per_week:g} h/week"
