import pytest
from django.contrib.auth import authenticate

from prodops.accounts.models import ApiToken, hash_token
from prodops.audit.models import AuditEntry
from prodops.web.management.commands.demo import demo_credentials

pytestmark = pytest.mark.django_db


def test_demo_prints_a_working_password_and_an_audited_read_only_token(client):
    password, raw = demo_credentials()
    assert authenticate(username="admin", password=password) is not None
    token = ApiToken.objects.get(token_hash=hash_token(raw))
    assert token.read_only and token.user.username == "admin"
    assert AuditEntry.objects.filter(action="token.create", object_id=str(token.pk)).exists()
    response = client.get("/api/v1/products", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    # A second run gives a new password; the old one stops working.
    second, _ = demo_credentials()
    assert authenticate(username="admin", password=password) is None
    assert authenticate(username="admin", password=second) is not None
