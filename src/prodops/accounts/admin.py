from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from prodops.accounts import services
from prodops.accounts.models import ApiToken, UserRole
from prodops.core.actors import Actor


@admin.register(UserRole)
class UserRoleAdmin(admin.ModelAdmin):
    # Roles are set with `prodops role` (accounts.services.set_role: policy and audit).
    list_display = ("user", "role")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    # Tokens are created with `prodops token create` or on the account page (shown once);
    # the admin lists them and revokes them through the service (policy and audit).
    list_display = ("name", "prefix", "user", "read_only", "created_at", "last_used_at", "revoked_at")
    list_filter = ("read_only",)
    actions = ["revoke"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = Actor.for_user(request.user, "web", reason="revoked in the admin")  # type: ignore[arg-type]
        for token in queryset:
            services.revoke_token(actor=actor, user=request.user, token_id=token.pk)
