"""The one-click unsubscribe link of every email is signed and expires: 60 days by
default (PRODOPS_UNSUBSCRIBE_MAX_AGE_DAYS). An expired, forged or altered link gives a
page saying what to do instead, never a 500; RFC 8058 one-click POSTs still work."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import signing

from prodops.catalog.models import Person
from prodops.lifecycle.services import request_transition
from prodops.notifications import services
from prodops.notifications.models import Preference

DAY = 86400


def token_made(days_ago: float, person: Person, event: str) -> str:
    """A token made as the emails make theirs (signing.dumps is a TimestampSigner's
    sign_object), with the signer's clock set ``days_ago`` back."""

    class Earlier(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time() - days_ago * DAY))

    return Earlier(salt=services.UNSUBSCRIBE_SALT).sign_object({"p": person.pk, "e": event}, compress=True)


@pytest.fixture
def bob(db, make_person):
    return make_person("bob@example.com", "Bob")


def mode(person: Person, event: str) -> str | None:
    return Preference.objects.filter(person=person, event=event).values_list("mode", flat=True).first()


def test_the_emailed_link_works_one_click_with_the_rfc_8058_body(
    acme_product, people, client, smtp, worker_once
):
    bob = Person.objects.get(email="bob@example.com")
    request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    worker_once()
    (mail,) = smtp.to("bob@example.com")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = "/" + mail["List-Unsubscribe"].strip("<>").split("://", 1)[1].split("/", 1)[1]
    page = client.get(path)  # opening the link (or a scanner following it) changes nothing
    assert page.status_code == 200 and "transition.requested" in page.content.decode()
    assert mode(bob, "transition.requested") is None
    response = client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert mode(bob, "transition.requested") == "off"


def test_a_link_works_until_its_maximum_age(bob, client):
    fresh = token_made(59, bob, "gate.ready")
    assert client.post(f"/notifications/unsubscribe/{fresh}/").status_code == 200
    assert mode(bob, "gate.ready") == "off"


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_link_gives_a_clear_page_and_changes_nothing(bob, client, method):
    old = token_made(61, bob, "gate.ready")
    response = getattr(client, method)(f"/notifications/unsubscribe/{old}/")
    assert response.status_code == 410
    text = response.content.decode()
    assert "This unsubscribe link has expired (links work for 60 days" in text
    assert "/notifications/preferences/" in text
    assert mode(bob, "gate.ready") is None


def test_the_maximum_age_is_a_setting(bob, client, settings):
    settings.PRODOPS_UNSUBSCRIBE_MAX_AGE_DAYS = 7
    assert services.unsubscribe_max_age() == timedelta(days=7)
    response = client.post(f"/notifications/unsubscribe/{token_made(8, bob, 'gate.ready')}/")
    assert response.status_code == 410 and "work for 7 days" in response.content.decode()
    assert client.post(f"/notifications/unsubscribe/{token_made(6, bob, 'gate.ready')}/").status_code == 200


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_or_altered_link_is_a_404_page(bob, client, method, settings):
    good = services.unsubscribe_token(bob, "gate.ready")
    other_key = signing.dumps(
        {"p": bob.pk, "e": "gate.ready"}, key="not-our-key", salt=services.UNSUBSCRIBE_SALT
    )
    nobody = signing.dumps({"p": 10**9, "e": "gate.ready"}, salt=services.UNSUBSCRIBE_SALT, compress=True)
    for token in ("forged-token", good[:-2] + "xx", other_key, nobody, "a" * 5000):
        response = getattr(client, method)(f"/notifications/unsubscribe/{token}/")
        assert response.status_code == 404, token
        assert "This unsubscribe link is not valid" in response.content.decode()
    assert not Preference.objects.exists()
