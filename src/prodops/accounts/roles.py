"""Roles: which of the four a user has.

Four roles: *admin* (``user.is_superuser``), *product operations*, *member* and *viewer*.
What each may do is decided in one place, ``prodops.accounts.policy`` (documented in
docs/permissions.md); this module only looks the role up.
"""

from __future__ import annotations

from typing import Any

from prodops.accounts.models import UserRole

ADMIN = "admin"
PRODUCT_OPS = "product_ops"
MEMBER = "member"
VIEWER = "viewer"

ROLE_LABELS = {
    ADMIN: "Admin",
    PRODUCT_OPS: "Product operations",
    MEMBER: "Member",
    VIEWER: "Viewer",
}


def role_of(user: Any) -> str | None:
    """The user's role, or None for an anonymous or inactive user."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return ADMIN
    cached = getattr(user, "_prodops_role", None)
    if cached is not None:
        return str(cached)

    row = UserRole.objects.filter(user_id=user.pk).values_list("role", flat=True).first()
    role = row or MEMBER
    user._prodops_role = role
    return role
