from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from prodops.accounts import services
from prodops.accounts.models import ApiToken
from prodops.core.actors import Actor

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Command(BaseCommand):
    help = (
        "Manage API tokens: `token create EMAIL [--read-only] [--name N]` prints a new token "
        "once (only its hash is stored); `token list`; `token revoke ID`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = sub.add_parser("create", help="Create a token for EMAIL (the user is created if missing).")
        create.add_argument("email")
        create.add_argument("--read-only", action="store_true", help="The token may only read (GET).")
        create.add_argument("--name", default="cli", help="A label to recognise the token (default: cli).")
        listing = sub.add_parser("list", help="List tokens (never the tokens themselves).")
        listing.add_argument("email", nargs="?", help="Only this user's tokens.")
        revoke = sub.add_parser("revoke", help="Revoke a token by its id (see `token list`).")
        revoke.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _create(self, options: dict[str, Any]) -> None:
        email = options["email"].strip().lower()
        if not EMAIL.match(email):
            raise CommandError(f"{options['email']!r} is not an email address", returncode=2)
        actor = Actor.cli()
        # An AccountError is an InvalidInput: `prodops` prints it with its field, exit 2.
        with transaction.atomic():
            user, created = services.user_for_email(actor=actor, email=email)
            if created:
                self.stderr.write(
                    f"Created user {email} (no password; set one with `prodops changepassword`)."
                )
            _, raw = services.create_token(
                actor=actor, user=user, name=options["name"], read_only=options["read_only"]
            )
        kind = "read-only" if options["read_only"] else "read-write"
        self.stderr.write(f"A {kind} token for {email}. It is shown once; store it now:")
        self.stdout.write(raw)

    def _list(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("pk")
        if options["email"]:
            tokens = tokens.filter(user__email__iexact=options["email"].strip())
        for token in tokens:
            state = "revoked" if token.revoked_at else ("read-only" if token.read_only else "read-write")
            used = token.last_used_at.strftime("%Y-%m-%d %H:%M") if token.last_used_at else "never used"
            self.stdout.write(
                f"{token.pk:>5}  {token.prefix}…  {token.user.email or token.user.get_username():<30} "
                f"{token.name:<16} {state:<10} {used}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        token = ApiToken.objects.select_related("user").filter(pk=options["id"]).first()
        if token is None:
            raise CommandError(f"no token with id {options['id']}", returncode=2)
        with transaction.atomic():
            services.revoke_token(actor=Actor.cli(), user=token.user, token_id=token.pk)
        self.stdout.write(f"Revoked token {token.pk} ({token.prefix}…).")
