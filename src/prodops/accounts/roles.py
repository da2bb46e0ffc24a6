"""Roles and the permission checks built on them.

Four roles: *admin* (``user.is_superuser``), *product operations* (edits the catalog and
the standards), *member* (works on products: documents, risks, requests transitions) and
*viewer* (reads only). Signing a product's gates and waivers is not a role: only the
product's two named leads may sign, and an admin may override (recorded as an override).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prodops.catalog.models import Product

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
    from prodops.accounts.models import UserRole

    row = UserRole.objects.filter(user_id=user.pk).values_list("role", flat=True).first()
    role = row or MEMBER
    user._prodops_role = role
    return role


def can_view(user: Any) -> bool:
    return role_of(user) is not None


def can_contribute(user: Any) -> bool:
    """Add documents, risks and known errors, attest, request transitions."""
    return role_of(user) in {ADMIN, PRODUCT_OPS, MEMBER}


def can_edit_catalog(user: Any) -> bool:
    """Create and edit products, teams and people; apply standards."""
    return role_of(user) in {ADMIN, PRODUCT_OPS}


def is_lead(user: Any, product: Product) -> bool:
    """Whether the user is one of the product's two named leads (matched by email)."""
    email = (getattr(user, "email", "") or "").lower()
    if not email or role_of(user) in {None, VIEWER}:
        return False
    return email in {product.build_lead.email.lower(), product.run_lead.email.lower()}


def lead_role(user: Any, product: Product) -> str | None:
    """``build_lead`` or ``run_lead`` when the user is that lead (build wins if both)."""
    email = (getattr(user, "email", "") or "").lower()
    if not email or role_of(user) in {None, VIEWER}:
        return None
    if email == product.build_lead.email.lower():
        return "build_lead"
    if email == product.run_lead.email.lower():
        return "run_lead"
    return None


def can_sign(user: Any, product: Product) -> bool:
    """Sign the product's gates and waivers: its named leads, or an admin (as an override)."""
    return role_of(user) == ADMIN or is_lead(user, product)


def products_for(user: Any) -> Any:
    """The products a user may see (every product, for any signed-in user)."""
    from prodops.catalog.models import Product

    if not can_view(user):
        return Product.objects.none()
    return Product.objects.all()
