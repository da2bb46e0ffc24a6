"""What config as code manages: the fields a config file states for an object.

Recorded by every ``prodops apply`` (not a dry run), so the web can say which fields a
file owns, and from which path, before someone edits them by hand: the next apply of
that file would set them back.
"""

from __future__ import annotations

from django.db import models


class ManagedField(models.Model):
    kind = models.CharField(max_length=32, help_text="The document kind, e.g. Product.")
    key = models.CharField(max_length=254, help_text="The object's slug or email.")
    field = models.CharField(max_length=64, help_text="A top-level field of the document's spec.")
    source = models.CharField(max_length=500, help_text="The file (or <stdin>) it was applied from.")
    applied_at = models.DateTimeField()

    class Meta:
        ordering = ["kind", "key", "field"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "field"], name="managed_field_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}.{self.field} from {self.source}"
