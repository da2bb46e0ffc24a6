from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q

from prodops.accounts import services
from prodops.accounts.models import UserRole
from prodops.accounts.roles import ROLE_LABELS, role_of
from prodops.core.actors import Actor


class Command(BaseCommand):
    help = (
        "Show or set a user's role: `role USER` prints it; `role USER ROLE` sets it, ROLE being "
        "product_ops (edits the catalog and standards), member or viewer. Admins are superusers "
        "(`prodops createsuperuser`). USER is a username or an email."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user", help="Username or email.")
        parser.add_argument("role", nargs="?", choices=UserRole.Role.values, help="The new role.")

    def handle(self, *args: Any, **options: Any) -> None:
        ident = options["user"].strip()
        user = (
            get_user_model().objects.filter(Q(username=ident) | Q(email__iexact=ident)).order_by("pk").first()
        )
        if user is None:
            raise CommandError(f"no user with username or email {ident!r}", returncode=2)
        if options["role"]:
            if user.is_superuser:
                raise CommandError(f"{ident} is a superuser (admin); roles do not apply", returncode=2)
            with transaction.atomic():
                services.set_role(actor=Actor.cli(), user=user, role=options["role"])
            user = get_user_model().objects.get(pk=user.pk)  # drop the cached role
        role = role_of(user) or "inactive"
        self.stdout.write(f"{user.get_username()}: {ROLE_LABELS.get(role, role)}")
