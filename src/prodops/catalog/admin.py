from django.contrib import admin

from prodops.catalog.models import SLO, Person, Product, Stakeholder, Team


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    search_fields = ["email", "name"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "kind", "capacity_hours_per_week"]
    filter_horizontal = ["members"]


class StakeholderInline(admin.TabularInline):
    model = Stakeholder
    extra = 0


class SLOInline(admin.TabularInline):
    model = SLO
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "tier", "stage", "build_lead", "run_lead"]
    list_filter = ["stage", "tier"]
    search_fields = ["slug", "name"]
    inlines = [StakeholderInline, SLOInline]
