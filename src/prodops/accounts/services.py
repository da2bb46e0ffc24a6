"""Accounts: API tokens, roles and sign-in throttling. Every write is audited."""

from __future__ import annotations

from typing import Any

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from prodops.accounts import policy
from prodops.accounts.models import ApiToken, UserRole, hash_token
from prodops.audit.services import record
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, Refused


class AccountError(InvalidInput):
    """A request the accounts services refuse, with a message for the user."""


def user_for_email(*, actor: Actor, email: str) -> tuple[Any, bool]:
    """The user with this email (case-insensitive), created without a password if there
    is none: a machine identity can hold tokens, and signs in to the web only after an
    admin sets a password. Returns the user and whether it was created."""

    email = email.strip().lower()
    user_model = get_user_model()
    user = user_model.objects.filter(email__iexact=email).order_by("pk").first()
    if user is not None:
        return user, False
    # Who may create an account is decided by the callers: ``invite_person`` (product
    # operations, or a lead for the people named on their product) and the local operator.
    user = user_model.objects.create_user(username=email, email=email)
    record(actor=actor, action="user.create", obj=user, changes={"email": email})
    return user, True


def create_token(*, actor: Actor, user: Any, name: str, read_only: bool = False) -> tuple[ApiToken, str]:
    """A new API token for ``user``. Returns the row and the raw token, shown only once."""
    decision = policy.require(actor, "token.manage", user)
    name = name.strip()
    if not name:
        raise AccountError("Give the token a name, so you can recognise it later.", field="name")
    if len(name) > 100:
        raise AccountError("A token name is at most 100 characters.", field="name")
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:10], token_hash=hash_token(raw), read_only=read_only
    )
    record(
        actor=actor,
        action="token.create",
        obj=token,
        changes={"name": name, "read_only": read_only, "user": getattr(user, "email", "")},
        decision=decision,
    )
    return token, raw


def revoke_token(*, actor: Actor, user: Any, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s own tokens (admins may revoke anyone's)."""
    tokens = ApiToken.objects.all() if getattr(user, "is_superuser", False) else user.api_tokens.all()
    token = tokens.filter(pk=token_id).first()
    if token is None:
        raise AccountError("No such token.")
    decision = policy.require(actor, "token.manage", token.user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action="token.revoke", obj=token, decision=decision)
    return token


def set_role(*, actor: Actor, user: Any, role: str) -> UserRole:
    policy.require(actor, "role.manage", user)
    if role not in UserRole.Role.values:
        raise AccountError(
            f"Unknown role {role!r}; choose one of {', '.join(UserRole.Role.values)}.", field="role"
        )
    row, _ = UserRole.objects.update_or_create(user=user, defaults={"role": role})
    record(actor=actor, action="role.set", obj=row, changes={"role": role})
    return row


# Inviting a person to sign in: a one-time set-password link made with Django's
# password-reset tokens (invalid once the password is set, or after
# PASSWORD_RESET_TIMEOUT).


def _named_on(person_email: str, product: Any) -> bool:
    if person_email in {product.build_lead.email, product.run_lead.email}:
        return True
    team_ids = [t for t in (product.build_team_id, product.run_team_id) if t]
    # By name: every app imports accounts.policy, so accounts imports no app (no cycles).
    team_model = django_apps.get_model("catalog", "Team")
    return team_model.objects.filter(pk__in=team_ids, members__email=person_email).exists()


def invite_person(*, actor: Actor, email: str, product: Any = None, base_url: str = "") -> str:
    """A one-time link for the person with this email to set their password and sign in.

    Product operations may invite anyone in the catalog; a product's lead may invite the
    people named on that product (its leads and team members). The user is created when
    there is none. The link is emailed to the person and returned once to the inviter;
    it is never stored."""

    Person = django_apps.get_model("catalog", "Person")

    email = (email or "").strip().lower()
    person = Person.objects.filter(email=email).first()
    if person is None:
        raise InvalidInput(f"No person with email {email!r} is in the catalog.", field="email")
    if product is not None and not policy.allows(actor, "person.manage"):
        policy.require(actor, "person.invite", product)
        if not _named_on(email, product):
            raise InvalidInput(
                f"{email} is not a lead or team member of {product.slug}; "
                "product operations may invite them.",
                field="email",
            )
    else:
        policy.require(actor, "person.manage")
    user, created = user_for_email(actor=actor, email=email)
    if not user.is_active:
        raise Refused(f"The account of {email} is deactivated; an admin must reactivate it first.")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = base_url.rstrip("/") + reverse("accounts:password_reset_confirm", args=[uid, token])
    record(
        actor=actor,
        action="person.invite",
        obj=person,
        product=product,
        changes={"email": email, "user_created": created},
    )
    send_mail(
        subject="You are invited to ProdOps",
        message=f"{actor.label} invited you to sign in to ProdOps as {email}.\n\n"
        f"Set your password here (the link works once):\n{link}\n",
        from_email=None,
        recipient_list=[email],
        fail_silently=True,
    )
    return link
