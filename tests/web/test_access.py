"""Who may see and do what: anonymous users, CSRF, roles, sign-in throttling, password reset."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from prodops.audit.models import AuditEntry
from tests.web.conftest import PASSWORD


@pytest.mark.parametrize(
    "path",
    ["/", "/activity/", "/facts/", "/standards/", "/products/new/", "/products/payments-api/", "/accounts/"],
)
def test_anonymous_users_are_sent_to_the_login_page(client, make_product, path):
    make_product("payments-api")
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_anonymous_htmx_request_redirects_the_window(client):
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response["HX-Redirect"].startswith("/accounts/login/")


def test_login_page_is_public_and_the_api_keeps_its_own_auth(client):
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/accounts/password-reset/").status_code == 200
    response = client.get("/api/v1/openapi.json")
    assert response.status_code != 302


def test_cross_site_post_without_csrf_token_is_refused(personas, make_product):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["olga"])
    response = client.post("/products/new/", {"slug": "x", "name": "X"})
    assert response.status_code == 403
    response = client.post("/accounts/", {"name": "ci"})
    assert response.status_code == 403
    assert not personas["olga"].api_tokens.exists()


def test_login_with_csrf_token_works_and_is_audited_nowhere_else(personas):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()
    response = client.post(
        "/accounts/login/", {"username": "carol", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.fixture
def throttle(settings):
    """django-axes reads its limit from settings at each attempt."""

    def limit(failures: int) -> None:
        settings.AXES_FAILURE_LIMIT = failures

    return limit


def test_login_is_throttled_per_username_and_address(personas, throttle):
    throttle(3)
    client = Client()
    for _ in range(2):
        response = client.post("/accounts/login/", {"username": "carol", "password": "wrong"})
        assert response.status_code == 200
        assert b"Please enter a correct username" in response.content
    # The third failure locks (carol, this address) out...
    assert client.post("/accounts/login/", {"username": "carol", "password": "wrong"}).status_code == 429
    # ...so even the right password is refused from this address...
    response = client.post("/accounts/login/", {"username": "carol", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session
    # ...but another address is not locked out by the guesser.
    other = Client(REMOTE_ADDR="10.0.0.9")
    response = other.post("/accounts/login/", {"username": "carol", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "spelling",
    ["\uff43arol", "\U0001d41carol", "CAROL", " carol "],
    ids=["fullwidth c", "mathematical bold c", "upper case", "spaces"],
)
def test_other_spellings_of_a_locked_username_are_locked_too(personas, throttle, spelling):
    """Audit M1: after the limit, compatibility spellings (which Django's sign-in folds
    to the same user) signed in with the right password."""
    throttle(3)
    client = Client()
    for _ in range(3):
        client.post("/accounts/login/", {"username": "carol", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": spelling, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_guesses_under_other_spellings_count_together(personas, throttle):
    throttle(3)
    client = Client()
    for spelling in ("carol", "\uff43arol", "\U0001d41carol"):
        client.post("/accounts/login/", {"username": spelling, "password": "wrong"})
    assert client.post("/accounts/login/", {"username": "carol", "password": PASSWORD}).status_code == 429


def test_successful_login_clears_earlier_failures(personas, throttle):
    throttle(2)
    client = Client()
    client.post("/accounts/login/", {"username": "carol", "password": "wrong"})
    assert client.post("/accounts/login/", {"username": "carol", "password": PASSWORD}).status_code == 302
    client.logout()
    client.post("/accounts/login/", {"username": "carol", "password": "wrong"})
    assert client.post("/accounts/login/", {"username": "carol", "password": PASSWORD}).status_code == 302


def test_password_reset_is_throttled(personas, settings):
    """Audit L5: eight reset mails to one address in a second."""
    settings.PRODOPS_RESET_MAX_PER_HOUR = 3
    client = Client()
    for _ in range(8):
        response = client.post("/accounts/password-reset/", {"email": "carol@example.com"})
        assert response.status_code == 302  # the same answer, so it tells nobody anything
    assert len(mail.outbox) == 3
    # Another address from the same client still gets its mail, up to the client's limit.
    client.post("/accounts/password-reset/", {"email": "dave@example.com"})
    assert len(mail.outbox) == 4


def test_password_reset_sends_a_working_link(personas, client):
    response = client.post("/accounts/password-reset/", {"email": "carol@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert b"Choose a new password" in form.content
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Another-long-pass-42", "new_password2": "Another-long-pass-42"},
    )
    assert response.status_code == 302
    assert client.login(username="carol", password="Another-long-pass-42")


def test_account_page_creates_shows_once_and_revokes_a_token(personas, client):
    from prodops.accounts.models import ApiToken, hash_token

    client.force_login(personas["carol"])
    response = client.post("/accounts/", {"name": "CI pipeline", "read_only": "on"})
    assert response.status_code == 200
    raw = re.search(rb'data-testid="new-token">(pdo_[^<]+)<', response.content).group(1).decode()
    token = ApiToken.objects.get(token_hash=hash_token(raw))
    assert token.user == personas["carol"] and token.read_only
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    assert api.get("/api/v1/openapi.json").status_code == 200
    assert raw.encode() not in client.get("/accounts/").content  # shown once only
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    # carol cannot revoke bob's token
    bob_token = ApiToken.objects.create(user=personas["bob"], name="b", prefix="pdo_x", token_hash="f" * 64)
    client.post(f"/accounts/tokens/{bob_token.pk}/revoke/")
    bob_token.refresh_from_db()
    assert bob_token.revoked_at is None


def test_token_needs_a_name(personas, client):
    client.force_login(personas["carol"])
    response = client.post("/accounts/", {"name": ""})
    assert response.status_code == 400
    assert b"This field is required" in response.content


@pytest.mark.parametrize(
    ("who", "statuses"),
    [
        ("dave", (403, 403)),
        ("carol", (200, 403)),
        ("alice", (200, 200)),
        ("olga", (200, 200)),
        ("root", (200, 200)),
    ],
)
def test_members_create_and_only_leads_operations_and_admins_edit(
    personas, make_product, client, who, statuses
):
    make_product("payments-api")
    client.force_login(personas[who])
    create, edit = statuses
    assert client.get("/products/new/").status_code == create
    assert client.get("/products/payments-api/edit/").status_code == edit
    assert client.get("/products/payments-api/").status_code == 200


def test_role_command_shows_and_sets_roles(personas):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from prodops.accounts.roles import role_of

    out = StringIO()
    call_command("role", "carol@example.com", stdout=out)
    assert out.getvalue().strip() == "carol: Member"
    call_command("role", "carol", "viewer", stdout=out)
    assert "carol: Viewer" in out.getvalue()
    personas["carol"].refresh_from_db()
    assert role_of(type(personas["carol"]).objects.get(pk=personas["carol"].pk)) == "viewer"
    assert AuditEntry.objects.filter(action="role.set", via="cli").exists()
    with pytest.raises(CommandError) as exc:
        call_command("role", "nobody")
    assert exc.value.returncode == 2


def test_admin_approves_as_an_override_recorded_as_such(client, personas, gated_product):
    from prodops.lifecycle.models import Transition

    client.force_login(personas["alice"])
    client.post("/products/payments-api/transitions/", {"to_stage": "pilot"})
    transition = Transition.objects.get()
    client.force_login(personas["root"])
    page = client.get("/products/payments-api/").content.decode()
    assert "Approve as admin (override)" in page
    url = f"/products/payments-api/transitions/{transition.pk}/approve/"
    assert client.post(url).status_code == 403  # an override needs a reason
    client.post(url, {"override_reason": "Both leads are on leave; the CTO decided"})
    transition.refresh_from_db()
    assert transition.override
    assert AuditEntry.objects.filter(action="transition.override", actor="root@example.com").exists()


def test_an_anonymous_api_write_is_401_and_a_session_write_without_csrf_token_403(personas):
    """Audit L8: an anonymous POST answered 403 "CSRF check Failed" (docs: 401), because the
    session authenticator checked CSRF before finding there was no session at all."""
    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post(
        "/api/v1/teams", {"slug": "t", "name": "T", "kind": "run"}, content_type="application/json"
    )
    assert response.status_code == 401, response.content
    assert response.json()["detail"]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas["olga"])
    response = browser.post(
        "/api/v1/teams", {"slug": "t", "name": "T", "kind": "run"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
