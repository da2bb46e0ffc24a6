"""The web side of accounts: sign-in (throttled), password reset, and the account page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from prodops.accounts import services
from prodops.accounts.forms import TokenForm
from prodops.accounts.roles import ROLE_LABELS, role_of
from prodops.accounts.throttle import reset_allowed
from prodops.core.actors import Actor


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, "web")  # type: ignore[arg-type]


class LoginView(auth_views.LoginView):
    """Django's sign-in. Throttling is django-axes' (settings ``AXES_*``): its backend
    refuses a locked-out username + address before the password is checked, and its
    middleware answers with accounts/locked.html (429)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, throttled per address and per client (``reset_allowed``).
    Over the limit the page answers as usual but sends nothing, so it tells nobody
    whether an address has an account."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"

    def form_valid(self, form: Any) -> HttpResponse:
        if reset_allowed(email=form.cleaned_data["email"], request=self.request):
            return super().form_valid(form)
        return redirect(self.get_success_url())


def account(request: HttpRequest) -> HttpResponse:
    new_token: str | None = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                _, new_token = services.create_token(
                    actor=_actor(request),
                    user=request.user,
                    name=form.cleaned_data["name"],
                    read_only=form.cleaned_data["read_only"],
                )
        except services.AccountError as exc:
            form.add_error("name", str(exc))
        else:
            form = TokenForm()
    tokens = request.user.api_tokens.all()  # type: ignore[union-attr]
    role = role_of(request.user) or ""
    return render(
        request,
        "accounts/account.html",
        {"form": form, "tokens": tokens, "new_token": new_token, "role_label": ROLE_LABELS.get(role, role)},
        status=400 if form.errors else 200,
    )


@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        with transaction.atomic():
            token = services.revoke_token(actor=_actor(request), user=request.user, token_id=token_id)
    except services.AccountError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:account")
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("accounts:account")
