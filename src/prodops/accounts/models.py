from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models

TOKEN_PREFIX = "pdo_"


def hash_token(raw: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A machine credential. Only the hash is stored; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="")
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise a token.")
    token_hash = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def generate() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)


class UserRole(models.Model):
    """A user's role. Users without a row are members; superusers are admins."""

    class Role(models.TextChoices):
        PRODUCT_OPS = "product_ops", "Product operations"
        MEMBER = "member", "Member"
        VIEWER = "viewer", "Viewer"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prodops_role"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()}"


class PasswordResetRequest(models.Model):
    """A password-reset request, counted to throttle reset mails. The address is kept
    only as a hash: the table says how often, not who."""

    email_key = models.CharField(max_length=64, help_text="SHA-256 of the normalised address.")
    ip = models.CharField(max_length=45)
    at = models.DateTimeField(db_index=True)
    sent = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["email_key", "at"], name="reset_request_key_at")]

    def __str__(self) -> str:
        return f"reset request from {self.ip} at {self.at:%Y-%m-%d %H:%M}"
