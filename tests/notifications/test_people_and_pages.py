"""People choose (immediate, digest, off; one-click unsubscribe), the in-app list with
its unread count, channel pages and commands, and a channel that keeps failing."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from prodops.accounts.models import UserRole
from prodops.core.actors import Actor
from prodops.lifecycle.services import request_transition
from prodops.notifications import services
from prodops.notifications.models import Attempt, Channel, Delivery, Notification, Preference


def bob_person():
    from prodops.catalog.models import Person

    return Person.objects.get(email="bob@example.com")


def test_digest_and_off(acme_product, people, smtp, worker_once, settings):
    settings.PRODOPS_DIGEST_HOUR = 0  # whatever the hour the test runs at, the digest is due
    bob = bob_person()
    services.set_preference(actor=people["bob"], person=bob, event="transition.requested", mode="digest")
    request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    worker_once()  # the digest job runs in this first worker run too, after the request
    digests = [m for m in smtp.to("bob@example.com") if "Daily digest" in m["Subject"]]
    immediate = [m for m in smtp.to("bob@example.com") if "Transition requested" in m["Subject"]]
    assert immediate == []
    assert len(digests) == 1 and "Transition requested" in digests[0].get_payload(decode=True).decode()
    # Off: nothing at all, not even in-app.
    services.set_preference(actor=people["bob"], person=bob, event="waiver.proposed", mode="off")
    from prodops.readiness.services import create_waiver

    create_waiver(
        actor=people["alice"],
        product=acme_product,
        criterion_id="coverage",
        reason="tool migration",
        expires_at=timezone.now() + timedelta(days=10),
    )
    assert not Delivery.objects.filter(notification__event="waiver.proposed", person=bob).exists()


def test_someone_else_cannot_change_your_preferences(acme_product, people):
    import pytest

    from prodops.core.errors import InvalidInput, PermissionDenied

    with pytest.raises(PermissionDenied):
        services.set_preference(actor=people["alice"], person=bob_person(), event="gate.ready", mode="off")
    with pytest.raises(InvalidInput):
        services.set_preference(actor=people["bob"], person=bob_person(), event="gate.ready", mode="loud")
    with pytest.raises(InvalidInput):
        services.set_preference(actor=people["bob"], person=bob_person(), event="no.such", mode="off")


def test_one_click_unsubscribe(acme_product, people, client, smtp, worker_once):
    request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    worker_once()
    (mail,) = smtp.to("bob@example.com")
    link = mail["List-Unsubscribe"].strip("<>")
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path)  # no session, no CSRF token: RFC 8058 one-click
    assert response.status_code == 200
    assert Preference.objects.get(person=bob_person(), event="transition.requested").mode == "off"
    assert client.post("/notifications/unsubscribe/forged-token/").status_code == 404


def test_inbox_unread_count_and_mark_read(acme_product, people, client):
    request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    client.force_login(get_user_model().objects.get(username="Bob"))
    page = client.get("/notifications/").content.decode()
    assert 'aria-label="1 unread"' in page and "asks to move Pay from build to pilot" in page
    api = client.get("/api/v1/notifications?unread=true").json()["items"]
    assert [n["event"] for n in api] == ["transition.requested"]
    client.post("/notifications/read/")
    assert 'aria-label="1 unread"' not in client.get("/notifications/").content.decode()
    assert client.get("/api/v1/notifications?unread=true").json()["items"] == []


def test_channel_pages_need_product_operations(acme_product, people, client, hooks, worker_once):
    member = get_user_model().objects.get(username="alice")
    client.force_login(member)
    assert client.get("/notifications/channels/new/").status_code == 403
    assert client.get("/notifications/log/").status_code == 403
    refused = client.put(
        "/api/v1/channels/ops",
        {"type": "slack", "url": hooks.url + "/ops", "events": ["gate.ready"]},
        content_type="application/json",
    )
    assert refused.status_code == 403
    ops = get_user_model().objects.create_user("olga", "olga@example.com", "pw")
    UserRole.objects.create(user=ops, role="product_ops")
    client.force_login(ops)
    form = {
        "slug": "ops",
        "name": "Ops room",
        "type": "slack",
        "url": hooks.url + "/ops",
        "events": ["transition.requested", "gate.ready"],
        "tags": "payments, core",
    }
    response = client.post("/notifications/channels/new/", form)
    assert response.status_code == 302, response.content.decode()
    channel = Channel.objects.get(slug="ops")
    assert channel.products == {"tags": ["payments", "core"]} and channel.secret == {}
    bad = client.post("/notifications/channels/new/", {**form, "slug": "web", "url": "ftp://x"})
    assert bad.status_code == 400 and "http(s)" in bad.content.decode()
    client.post("/notifications/channels/ops/test/")
    worker_once()
    (test,) = hooks.at("/ops")
    assert "*Test message*" in test.json()["text"]
    log = client.get("/notifications/log/").content.decode()
    assert "channel.test" in log and "delivered" in log and "200" in log
    api = client.get("/api/v1/notifications/deliveries").json()["items"]
    assert api[0]["event"] == "channel.test" and api[0]["attempts"][0]["status_code"] == 200


def test_channel_api_refuses_hostile_input(people, client):
    ops = get_user_model().objects.create_user("olga", "olga@example.com", "pw")
    UserRole.objects.create(user=ops, role="product_ops")
    client.force_login(ops)

    def put(body):
        return client.put("/api/v1/channels/ops", body, content_type="application/json")

    base = {"type": "webhook", "url": "https://hooks.example.com/x", "events": ["gate.ready"]}
    assert put({**base, "secret": {"env": "HOOK"}}).status_code == 200
    for body in (
        {**base, "secret": {"env": "HOOK"}, "events": ["gate.ready\x00"]},
        {**base, "secret": {"env": "HOOK"}, "url": "https://x/" + "a" * 5000},
        {**base, "secret": {"env": "HOOK"}, "events": "gate.ready"},
        {**base, "secret": "inline-secret"},
        {**base},  # a webhook without a secret cannot sign
        {**base, "secret": {"env": "HOOK"}, "type": "fax"},
        {**base, "secret": {"env": "HOOK"}, "surprise": 1},
    ):
        response = put(body)
        assert response.status_code == 422, (body, response.content)
        assert response.json()["detail"][0]["loc"][0] == "body"
    assert Channel.objects.get(slug="ops").events == ["gate.ready"]


def test_notify_test_and_notifications_log_commands(db, prodops, hooks):
    services.save_channel(
        actor=Actor.cli(),
        data=services.ChannelData(
            slug="room", name="Room", type="slack", url=hooks.url + "/room", secret={}, events=["gate.ready"],
            products={},
        ),
    )  # fmt: skip
    code, out, _ = prodops("notify", "test", "room")
    assert code == 0 and "room: delivered (HTTP 200)" in out
    hooks.script["/room"] = [(404, {})]
    code, out, _ = prodops("notify", "test", "room")
    assert code == 1 and "failed (HTTP 404)" in out
    code, out, _ = prodops("notifications", "log")
    assert code == 0 and out.count("channel.test") == 2 and "failed" in out
    code, _, err = prodops("notify", "test", "nope")
    assert code == 2 and "no channel 'nope'" in err


def test_a_channel_failing_for_a_day_is_paused_and_admins_are_told(acme_product, people, hooks):
    get_user_model().objects.filter(username="root").update(email="root@example.com")
    from prodops.catalog.models import Person

    Person.objects.create(email="root@example.com", name="Root")
    channel, _ = services.save_channel(
        actor=Actor.cli(),
        data=services.ChannelData(
            slug="down", name="Down", type="slack", url=hooks.url + "/down", secret={},
            events=["transition.requested"], products={},
        ),
    )  # fmt: skip
    hooks.script["/down"] = [(500, {})] * 3
    request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    delivery = Delivery.objects.get(channel=channel)
    start = timezone.now()
    assert services.deliver(delivery_id=delivery.pk, now=start) == "pending"
    # A day of failures later (the first attempt's time moved back a day):
    Attempt.objects.filter(delivery=delivery).update(at=start - timedelta(hours=25))
    Channel.objects.filter(pk=channel.pk).update(failing_since=start - timedelta(hours=25))
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=start)
    assert services.deliver(delivery_id=delivery.pk) == "failed"
    channel.refresh_from_db()
    assert channel.paused_at is not None and channel.last_error.startswith("HTTP 500")
    told = Notification.objects.get(event="channel.paused")
    assert told.deliveries.filter(person__email="root@example.com", medium="inapp").exists()
    # A paused channel gets nothing new.
    assert services.subscribed_channels("transition.requested", acme_product) == []


def test_a_viewer_chooses_its_own_notifications_but_no_one_else_s(acme_product, people, client):
    """A viewer reads the product world but still owns its inbox (the `own` rule): it marks
    its notifications read and sets its preferences, over the API and the web, with an
    empty body too; it cannot change anyone else's, and a read-only token changes nothing."""
    bob = get_user_model().objects.get(username="Bob")
    UserRole.objects.update_or_create(user=bob, defaults={"role": "viewer"})
    request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    client.force_login(bob)
    response = client.post("/api/v1/notifications/read", "", content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json() == {"marked": 1}
    response = client.put(
        "/api/v1/notifications/preferences",
        {"event": "gate.ready", "mode": "off"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert Preference.objects.get(person=bob_person(), event="gate.ready").mode == "off"
    # the web door: the preferences page saves for the viewer too (not the 403 page)
    response = client.post("/notifications/preferences/", {"gate.ready": "digest"})
    assert response.status_code == 302, response.content
    assert Preference.objects.get(person=bob_person(), event="gate.ready").mode == "digest"
    import pytest

    from prodops.core.errors import PermissionDenied

    viewer = Actor.for_user(bob, "api")
    alice_person = acme_product.build_lead
    with pytest.raises(PermissionDenied):
        services.set_preference(actor=viewer, person=alice_person, event="gate.ready", mode="off")
    read_only = Actor.for_user(bob, "api", read_only=True)
    with pytest.raises(PermissionDenied):
        services.set_preference(actor=read_only, person=bob_person(), event="gate.ready", mode="digest")


def test_an_empty_body_where_one_is_needed_is_a_422_naming_nothing_parsed(people, client):
    client.force_login(get_user_model().objects.get(username="alice"))
    response = client.post("/api/v1/products", "", content_type="application/json")
    assert response.status_code == 422, response.content
    assert "Cannot parse" not in response.content.decode()
