"""Fixtures for the knowledge tests: an API client with a read-write token."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def api(db: Any) -> Client:
    from django.contrib.auth import get_user_model

    from prodops.accounts.models import ApiToken, hash_token

    user = get_user_model().objects.create_user(username="erin", email="erin@example.com", is_superuser=True)
    raw = ApiToken.generate()
    ApiToken.objects.create(user=user, name="t", prefix=raw[:10], token_hash=hash_token(raw), read_only=False)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
