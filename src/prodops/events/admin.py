"""Refused webhook deliveries, for admins: read-only (the service records them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from prodops.events.models import RefusedDelivery


@admin.register(RefusedDelivery)
class RefusedDeliveryAdmin(admin.ModelAdmin):
    list_display = ("received_at", "source", "status", "event", "reason", "size")
    list_filter = ("source", "status")
    search_fields = ("reason", "delivery_id", "event")
    readonly_fields = ("source", "status", "reason", "event", "delivery_id", "headers", "size", "received_at")
    date_hierarchy = "received_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
