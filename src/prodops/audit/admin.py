from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from prodops.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "via", "action", "object_type", "object_repr"]
    list_filter = ["via", "object_type"]

    # Append-only: entries are written by the services, never added, edited or deleted
    # by hand (a backdated entry in someone's name would be a forgery).
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
