from __future__ import annotations

from django import forms


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “CI pipeline”.")
    read_only = forms.BooleanField(
        required=False, initial=True, help_text="Read-only tokens cannot change anything."
    )
