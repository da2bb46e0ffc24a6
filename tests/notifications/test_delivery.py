"""Notifications reach people and channels, once, with every attempt recorded."""

from __future__ import annotations

import hashlib
import hmac
import time

from prodops.core.actors import Actor
from prodops.lifecycle.services import request_transition
from prodops.notifications import services
from prodops.notifications.models import Attempt, Channel, Delivery, Notification

SECRET = "hook-secret-for-tests"


def channel(hooks, *, type: str, path: str, events: list[str], secret: bool = False) -> Channel:
    data = services.ChannelData(
        slug=path.strip("/"),
        name=path.strip("/"),
        type=type,
        url=hooks.url + path,
        secret={"env": "PRODOPS_TEST_HOOK_SECRET"} if secret else {},
        events=events,
        products={},
    )
    return services.save_channel(actor=Actor.cli(), data=data)[0]


def test_transition_request_reaches_the_other_lead_by_email_and_slack(
    acme_product, people, smtp, hooks, worker_once
):
    channel(hooks, type="slack", path="/slack", events=["transition.requested"])
    request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    worker_once()

    to_bob = smtp.to("bob@example.com")
    assert len(to_bob) == 1
    assert "Transition requested" in to_bob[0]["Subject"]
    body = to_bob[0].get_payload(decode=True).decode()
    assert "alice@example.com asks to move Pay from build to pilot" in body
    assert "/notifications/unsubscribe/" in to_bob[0]["List-Unsubscribe"]
    assert to_bob[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert smtp.to("alice@example.com") == []  # the requester is not told of her own request

    (slack,) = hooks.at("/slack")
    text = slack.json()["text"]
    assert "*Transition requested*" in text and "Pay" in text
    assert "/products/pay/checklist/|Open in ProdOps>" in text
    # Running the worker again sends nothing twice.
    worker_once()
    assert len(smtp.to("bob@example.com")) == 1 and len(hooks.at("/slack")) == 1


def test_webhook_body_headers_and_signature(acme_product, people, hooks, worker_once, monkeypatch):
    monkeypatch.setenv("PRODOPS_TEST_HOOK_SECRET", SECRET)
    channel(hooks, type="webhook", path="/hook", events=["transition.requested"], secret=True)
    request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    worker_once()
    (received,) = hooks.at("/hook")
    notification = Notification.objects.get(event="transition.requested")
    expected = "sha256=" + hmac.new(SECRET.encode(), received.body, hashlib.sha256).hexdigest()
    assert received.headers["X-ProdOps-Signature"] == expected
    assert received.headers["X-ProdOps-Event"] == "transition.requested"
    assert received.headers["Idempotency-Key"] == str(notification.pk)
    data = received.json()
    assert list(data) == ["id", "event", "occurred_at", "product", "actor", "subject", "url"]
    assert data["id"] == str(notification.pk)
    assert data["product"] == {"slug": "pay", "name": "Pay", "stage": "build"}
    assert data["actor"] == "alice@example.com"
    assert data["subject"]["to_stage"] == "pilot" and data["subject"]["from_stage"] == "build"
    assert data["url"].endswith("/products/pay/checklist/")
    # A body changed in transit no longer verifies.
    tampered = received.body.replace(b"pilot", b"operate")
    assert hmac.new(SECRET.encode(), tampered, hashlib.sha256).hexdigest() != expected.removeprefix("sha256=")


def test_503_with_retry_after_is_retried_with_the_same_idempotency_key(
    acme_product, people, hooks, worker_once, monkeypatch
):
    monkeypatch.setenv("PRODOPS_TEST_HOOK_SECRET", SECRET)
    channel(hooks, type="webhook", path="/flaky", events=["transition.requested"], secret=True)
    hooks.script["/flaky"] = [(503, {"Retry-After": "1"})]
    request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    worker_once()
    delivery = Delivery.objects.get(channel__slug="flaky")
    assert delivery.status == "pending" and delivery.attempts == 1
    assert Channel.objects.get(slug="flaky").last_error.startswith("HTTP 503")
    time.sleep(1.2)  # the server asked for one second
    worker_once()
    first, second = hooks.at("/flaky")
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert first.body == second.body
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    attempts = list(Attempt.objects.filter(delivery=delivery).values_list("status_code", "ok"))
    assert attempts == [(503, False), (200, True)]


def test_404_is_tried_once(acme_product, people, hooks, worker_once, monkeypatch):
    channel(hooks, type="slack", path="/gone", events=["transition.requested"])
    hooks.script["/gone"] = [(404, {}), (404, {})]
    request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    worker_once()
    worker_once()
    assert len(hooks.at("/gone")) == 1
    delivery = Delivery.objects.get(channel__slug="gone")
    assert delivery.status == "failed" and delivery.attempts == 1
    assert Attempt.objects.filter(delivery=delivery).count() == 1
    assert Channel.objects.get(slug="gone").last_error.startswith("HTTP 404")


def test_teams_gets_an_adaptive_card(acme_product, people, hooks, worker_once):
    channel(hooks, type="teams", path="/teams", events=["transition.requested"])
    request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    worker_once()
    (received,) = hooks.at("/teams")
    card = received.json()["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["body"][0]["text"] == "Transition requested"
    assert card["actions"][0]["url"].endswith("/products/pay/checklist/")
