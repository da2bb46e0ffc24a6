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

    @classmethod
    def cli(cls, label: str = "cli") -> Actor:
        return cls(label=label, via="cli")

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(label=label, via="system")

    @classmethod
    def for_user(cls, user: AbstractBaseUser, via: Via) -> Actor:
        email = getattr(user, "email", "") or user.get_username()
        return cls(label=email, via=via, user=user)

    @property
    def email(self) -> str:
        """The actor's email, used to match them to a Person (e.g. a product's lead)."""
        if self.user is not None:
            return (getattr(self.user, "email", "") or "").lower()
        return self.label.lower() if "@" in self.label else ""
