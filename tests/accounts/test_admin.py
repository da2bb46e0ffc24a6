"""Audit item 4: the Django admin edited a product's stage directly (no gate, no audit)
and added backdated audit entries in anyone's name."""

from __future__ import annotations

import pytest

from prodops.audit.models import AuditEntry
from prodops.catalog.models import Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    client.force_login(world["users"]["admin"])
    return client


def test_the_admin_cannot_move_a_products_stage(admin_client, world):
    product = world["product"]
    url = f"/admin/catalog/product/{product.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200  # shown, read-only
    assert b'name="stage"' not in page.content
    response = admin_client.post(
        url, {"stage": "operate", "slug": product.slug, "name": product.name, "tier": 1}
    )
    assert response.status_code == 403
    assert (
        admin_client.post(f"/admin/catalog/product/{product.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert admin_client.get("/admin/catalog/product/add/").status_code == 403
    assert Product.objects.get(pk=product.pk).stage == "build"


def test_audit_entries_are_append_only_in_the_admin(admin_client):
    before = AuditEntry.objects.count()
    entry = AuditEntry.objects.first()
    assert admin_client.get("/admin/audit/auditentry/add/").status_code == 403
    forged = {
        "at_0": "2020-01-01",
        "at_1": "00:00:00",
        "actor": "alice@example.com",
        "action": "x",
        "via": "web",
    }
    assert admin_client.post("/admin/audit/auditentry/add/", forged).status_code == 403
    assert admin_client.post(f"/admin/audit/auditentry/{entry.pk}/change/", forged).status_code == 403
    assert (
        admin_client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert AuditEntry.objects.count() == before


def test_roles_are_not_edited_in_the_admin_and_tokens_are_revoked_through_the_service(admin_client, world):
    from prodops.accounts.models import ApiToken, UserRole

    assert admin_client.get("/admin/accounts/userrole/add/").status_code == 403
    token = ApiToken.objects.filter(user=world["users"]["member"]).first()
    response = admin_client.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    entry = AuditEntry.objects.get(action="token.revoke")
    assert entry.actor == "root@example.com" and entry.changes["override"] == [None, "revoked in the admin"]
    assert UserRole.objects.count() == 2
