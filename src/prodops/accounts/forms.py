from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from prodops.accounts import services


def client_ip(request: Any) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing further attempts after repeated failures for one
    username from one address (so a guesser cannot lock a user out from elsewhere)."""

    def clean(self) -> dict[str, Any]:
        username = (self.data.get("username") or "").strip()
        ip = client_ip(self.request)
        wait = services.login_blocked_for(username=username, ip=ip)
        if wait is not None:
            minutes = max(1, round(wait.total_seconds() / 60))
            plural = "s" if minutes != 1 else ""
            raise forms.ValidationError(
                f"Too many failed sign-in attempts. Try again in {minutes} minute{plural}, "
                "or reset your password.",
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            services.record_login_failure(username=username, ip=ip)
            raise
        services.clear_login_failures(username=username, ip=ip)
        return cleaned


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “CI pipeline”.")
    read_only = forms.BooleanField(
        required=False, initial=True, help_text="Read-only tokens cannot change anything."
    )
