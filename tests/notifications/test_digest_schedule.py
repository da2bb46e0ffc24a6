"""Each person's daily digest goes out once per local day, at or after their hour in
their time zone (defaults: PRODOPS_DIGEST_HOUR, TIME_ZONE), however often the job runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from prodops.catalog.models import Person
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, PermissionDenied
from prodops.notifications import services
from prodops.notifications.models import Delivery, DigestSchedule
from tests.notifications.conftest import free_port


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def bob(acme_product, people, settings):
    settings.PRODOPS_DIGEST_HOUR = 8
    settings.TIME_ZONE = "UTC"
    person = Person.objects.get(email="bob@example.com")
    services.set_preference(actor=people["bob"], person=person, event="gate.ready", mode="digest")
    return person


def waiting(product, person, text: str = "build") -> None:
    """One more notification waiting for the person's digest."""
    services.notify(
        event="gate.ready",
        product=product,
        actor=Actor.task("test"),
        subject={"gate": text},
        recipients=[person],
    )


def digests(smtp) -> list[str]:
    return [
        m.get_payload(decode=True).decode()
        for m in smtp.to("bob@example.com")
        if "Daily digest" in m["Subject"]
    ]


def test_at_or_after_the_default_hour_once_a_day(acme_product, bob, smtp):
    waiting(acme_product, bob)
    assert services.send_digests(now=at("2026-11-30T07:59")) == 0
    assert services.send_digests(now=at("2026-11-30T08:00")) == 1
    waiting(acme_product, bob, "pilot")  # more news the same day waits for tomorrow
    assert services.send_digests(now=at("2026-11-30T08:15")) == 0
    assert services.send_digests(now=at("2026-11-30T23:45")) == 0
    assert services.send_digests(now=at("2026-12-01T07:45")) == 0
    assert services.send_digests(now=at("2026-12-01T08:10")) == 1
    first, second = digests(smtp)
    assert "build" in first and "pilot" not in first and "pilot" in second
    assert not Delivery.objects.filter(status="digest").exists()


def test_in_the_persons_own_time_zone_and_local_day(acme_product, bob, people, smtp):
    services.set_digest_schedule(actor=people["bob"], person=bob, hour=8, time_zone="Asia/Tokyo")
    waiting(acme_product, bob)
    assert services.send_digests(now=at("2026-11-30T22:59")) == 0  # 07:59 on 1 December in Tokyo
    assert services.send_digests(now=at("2026-11-30T23:00")) == 1  # 08:00 in Tokyo
    waiting(acme_product, bob, "pilot")
    # 14:00 in Tokyo the same local day, though a new UTC day: nothing more
    assert services.send_digests(now=at("2026-12-01T05:00")) == 0
    assert services.send_digests(now=at("2026-12-01T23:00")) == 1  # 08:00 on 2 December
    assert len(digests(smtp)) == 2


def test_the_site_time_zone_is_the_default(acme_product, bob, settings, smtp):
    settings.TIME_ZONE = "America/New_York"  # UTC-5 in winter
    settings.PRODOPS_DIGEST_HOUR = 9
    waiting(acme_product, bob)
    assert services.send_digests(now=at("2026-11-30T13:30")) == 0  # 08:30 in New York
    assert services.send_digests(now=at("2026-11-30T14:00")) == 1
    assert services.digest_schedule(bob) == (9, "America/New_York")


def test_a_second_worker_at_the_same_moment_sends_nothing(acme_product, bob, smtp):
    waiting(acme_product, bob)
    now = at("2026-11-30T09:00")
    assert services.send_digests(now=now) == 1
    # Something new waits for bob at the same moment: only the claimed day stops a
    # second digest (compare-and-set on last_sent_on), not an empty queue.
    waiting(acme_product, bob, "pilot")
    assert services.send_digests(now=now) == 0
    assert Delivery.objects.filter(person=bob, status="digest").count() == 1
    assert len(digests(smtp)) == 1
    assert DigestSchedule.objects.get(person=bob).last_sent_on.isoformat() == "2026-11-30"


def test_a_failed_send_gives_the_day_back(acme_product, bob, smtp, settings):
    waiting(acme_product, bob)
    settings.EMAIL_PORT = free_port()  # nobody listens there
    assert services.send_digests(now=at("2026-11-30T09:00")) == 0
    assert Delivery.objects.filter(person=bob, status="digest").count() == 1
    assert DigestSchedule.objects.get(person=bob).last_sent_on is None
    settings.EMAIL_PORT = smtp.port
    assert services.send_digests(now=at("2026-11-30T09:15")) == 1


def test_the_person_chooses_on_the_preferences_page(bob, client):
    client.force_login(get_user_model().objects.get(username="Bob"))
    page = client.get("/notifications/preferences/").content.decode()
    assert "The site's default (8:00)" in page and "The site's default (UTC)" in page
    assert '<option value="Europe/Berlin">' in page and "localtime" not in page
    response = client.post(
        "/notifications/preferences/", {"digest_hour": "7", "digest_time_zone": "Europe/Berlin"}
    )
    assert response.status_code == 302
    assert services.digest_schedule(bob) == (7, "Europe/Berlin")
    page = client.get("/notifications/preferences/").content.decode()
    assert '<option value="7" selected>07:00</option>' in page
    assert '<option value="Europe/Berlin" selected>' in page
    for bad, says in (
        ({"digest_hour": "25"}, "the digest hour is a whole hour"),
        ({"digest_hour": "seven"}, "the digest hour is a whole hour"),
        ({"digest_time_zone": "Mars/Olympus"}, "name a time zone"),
    ):
        follow = client.post("/notifications/preferences/", bad, follow=True).content.decode()
        assert says in follow, bad
    assert services.digest_schedule(bob) == (7, "Europe/Berlin")
    client.post("/notifications/preferences/", {"digest_hour": "", "digest_time_zone": ""})
    assert services.digest_schedule(bob) == (8, "UTC")  # back to the defaults


def test_the_api_reads_and_sets_it(bob, client):
    client.force_login(get_user_model().objects.get(username="Bob"))
    assert client.get("/api/v1/notifications/digest").json() == {"hour": 8, "time_zone": "UTC"}
    response = client.put(
        "/api/v1/notifications/digest",
        {"hour": 18, "time_zone": "Australia/Sydney"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json() == {"hour": 18, "time_zone": "Australia/Sydney"}
    for body, field in (
        ({"hour": 24}, "hour"),
        ({"hour": "7"}, "hour"),
        ({"hour": 7.5}, "hour"),
        ({"time_zone": "Not/AZone"}, "time_zone"),
        ({"time_zone": "UTC\x00"}, "time_zone"),
        ({"hour": 7, "person": "alice@example.com"}, "person"),
    ):
        refused = client.put("/api/v1/notifications/digest", body, content_type="application/json")
        assert refused.status_code == 422, (body, refused.content)
        assert field in [str(part) for error in refused.json()["detail"] for part in error["loc"]], (
            refused.json()
        )
    assert services.digest_schedule(bob) == (18, "Australia/Sydney")


def test_nobody_sets_someone_elses(bob, people):
    with pytest.raises(PermissionDenied):
        services.set_digest_schedule(actor=people["alice"], person=bob, hour=3, time_zone="UTC")
    with pytest.raises(InvalidInput):
        services.set_digest_schedule(actor=people["bob"], person=bob, hour=True, time_zone="UTC")
    assert not DigestSchedule.objects.exists()
