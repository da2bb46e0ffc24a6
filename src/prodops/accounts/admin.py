from django.contrib import admin

from prodops.accounts.models import ApiToken, UserRole


@admin.register(UserRole)
class UserRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "role")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    # Tokens are created with `prodops token create` or on the account page (shown once);
    # the admin only lists and revokes them.
    list_display = ("name", "prefix", "user", "read_only", "created_at", "last_used_at", "revoked_at")
    list_filter = ("read_only",)
    readonly_fields = ("user", "name", "prefix", "token_hash", "read_only", "created_at", "last_used_at")

    def has_add_permission(self, request: object) -> bool:
        return False
