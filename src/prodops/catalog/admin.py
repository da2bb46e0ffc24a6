"""The catalog in the Django admin: read-only.

Products, teams and people change only through the catalog services (the web pages, the
API, ``prodops apply``), which ask the policy and write the audit log; a product's stage
changes only through a transition with both leads' approval. The admin therefore shows
them and offers no add, change or delete."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from prodops.catalog.models import SLO, Person, Product, Stakeholder, Team


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    search_fields = ["email", "name"]


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["slug", "name", "kind", "capacity_hours_per_week"]


class StakeholderInline(ReadOnlyInline):
    model = Stakeholder


class SLOInline(ReadOnlyInline):
    model = SLO


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ["slug", "name", "tier", "stage", "build_lead", "run_lead"]
    list_filter = ["stage", "tier"]
    search_fields = ["slug", "name"]
    inlines = [StakeholderInline, SLOInline]
