"""Who did something. Passed explicitly to every service, so that changes made from the
CLI, the API, webhooks and background tasks are attributed as well as web changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

Via = Literal["web", "api", "cli", "webhook", "task", "system"]


@dataclass(frozen=True)
class Actor:
    label: str
    via: Via
    user: AbstractBaseUser | None = None
    # A read-only API token: the policy allows it only ``read`` actions.
    read_only: bool = False
    # Why an admin overrides a lead's signature or acts on someone's behalf; the policy
    # refuses an override without one, and services record it with the override.
    reason: str = ""
    # A person named by a trusted caller (``prodops ... --as EMAIL``, the demo seeder)
    # who has no session or token here: the policy treats them as that person, with
    # their own role, never as the all-powerful local operator.
    as_person: bool = False

    @classmethod
    def cli(cls, label: str = "cli") -> Actor:
        return cls(label=label, via="cli")

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(label=label, via="system")

    @classmethod
    def for_user(
        cls, user: AbstractBaseUser, via: Via, *, read_only: bool = False, reason: str = ""
    ) -> Actor:
        email = getattr(user, "email", "") or user.get_username()
        return cls(label=email, via=via, user=user, read_only=read_only, reason=reason)

    @classmethod
    def person(cls, email: str, via: Via = "cli", *, reason: str = "") -> Actor:
        """A person acting through the CLI (``--as EMAIL``) or a seeder: their user's
        role applies when they have an account; recorded under their email."""
        return cls(label=email.strip().lower(), via=via, reason=reason, as_person=True)

    @classmethod
    def webhook(cls, source: str) -> Actor:
        """A webhook sender, identified by its source (``github``, ``pagerduty``, ...)."""
        return cls(label=f"webhook:{source}", via="webhook")

    @classmethod
    def task(cls, name: str) -> Actor:
        """A background task of the worker."""
        return cls(label=f"task:{name}", via="task")

    def with_reason(self, reason: str) -> Actor:
        """The same actor, giving a reason for an override."""
        return Actor(self.label, self.via, self.user, self.read_only, reason, self.as_person)

    @property
    def email(self) -> str:
        """The actor's email, used to match them to a Person (e.g. a product's lead)."""
        if self.user is not None:
            return (getattr(self.user, "email", "") or "").lower()
        return self.label.lower() if "@" in self.label else ""
