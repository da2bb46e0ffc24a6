"""Accounts: API tokens, roles and sign-in throttling. Every write is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from prodops.accounts.models import ApiToken, LoginFailure, UserRole, hash_token
from prodops.audit.services import record
from prodops.core.actors import Actor


class AccountError(ValueError):
    """A request the accounts services refuse, with a message for the user."""


def user_for_email(*, actor: Actor, email: str) -> tuple[Any, bool]:
    """The user with this email (case-insensitive), created without a password if there
    is none: a machine identity can hold tokens, and signs in to the web only after an
    admin sets a password. Returns the user and whether it was created."""
    from django.contrib.auth import get_user_model

    email = email.strip().lower()
    user_model = get_user_model()
    user = user_model.objects.filter(email__iexact=email).order_by("pk").first()
    if user is not None:
        return user, False
    user = user_model.objects.create_user(username=email, email=email)
    record(actor=actor, action="user.create", obj=user, changes={"email": email})
    return user, True


def create_token(*, actor: Actor, user: Any, name: str, read_only: bool = False) -> tuple[ApiToken, str]:
    """A new API token for ``user``. Returns the row and the raw token, shown only once."""
    name = name.strip()
    if not name:
        raise AccountError("Give the token a name, so you can recognise it later.")
    if len(name) > 100:
        raise AccountError("A token name is at most 100 characters.")
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:10], token_hash=hash_token(raw), read_only=read_only
    )
    record(actor=actor, action="token.create", obj=token, changes={"name": name, "read_only": read_only})
    return token, raw


def revoke_token(*, actor: Actor, user: Any, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s own tokens (admins may revoke anyone's)."""
    tokens = ApiToken.objects.all() if getattr(user, "is_superuser", False) else user.api_tokens.all()
    token = tokens.filter(pk=token_id).first()
    if token is None:
        raise AccountError("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action="token.revoke", obj=token)
    return token


def set_role(*, actor: Actor, user: Any, role: str) -> UserRole:
    if role not in UserRole.Role.values:
        raise AccountError(f"Unknown role {role!r}; choose one of {', '.join(UserRole.Role.values)}.")
    row, _ = UserRole.objects.update_or_create(user=user, defaults={"role": role})
    record(actor=actor, action="role.set", obj=row, changes={"role": role})
    return row


# Sign-in throttling: after LOGIN_MAX_FAILURES failures for one username from one IP
# within the window, further attempts are refused until the oldest failure ages out.


def _window() -> timedelta:
    return timedelta(seconds=getattr(settings, "PRODOPS_LOGIN_WINDOW_SECONDS", 900))


def _max_failures() -> int:
    return int(getattr(settings, "PRODOPS_LOGIN_MAX_FAILURES", 5))


def login_blocked_for(*, username: str, ip: str) -> timedelta | None:
    """How long the (username, IP) pair must still wait, or None when it may try."""
    now = timezone.now()
    recent = list(
        LoginFailure.objects.filter(username=username.lower(), ip=ip, at__gte=now - _window())
        .order_by("-at")
        .values_list("at", flat=True)[: _max_failures()]
    )
    if len(recent) < _max_failures():
        return None
    return max(recent[-1] + _window() - now, timedelta(seconds=1))


def record_login_failure(*, username: str, ip: str) -> None:
    now = timezone.now()
    LoginFailure.objects.create(username=username.lower()[:150], ip=ip, at=now)
    # Old rows only matter inside the window; prune them as we go.
    LoginFailure.objects.filter(at__lt=now - 2 * _window()).delete()


def clear_login_failures(*, username: str, ip: str) -> None:
    LoginFailure.objects.filter(username=username.lower(), ip=ip).delete()
