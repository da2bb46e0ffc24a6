"""Comments with @mentions: Markdown sanitized, in the activity timeline, and a mention
notifies the person mentioned (by email too, through a real SMTP server)."""

from __future__ import annotations

import pytest

from prodops.comments import services
from prodops.comments.models import Comment
from prodops.core.errors import InvalidInput, NotFound, PermissionDenied
from prodops.lifecycle.services import request_transition
from prodops.notifications.models import Delivery


def test_a_mention_notifies_the_person_in_app_and_by_email(acme_product, people, smtp, worker_once):
    comment = services.post_comment(
        actor=people["alice"],
        product=acme_product,
        body="@bob can you check the **runbook**? <script>alert(1)</script> [x](javascript:alert(1))",
    )
    assert "<strong>runbook</strong>" in comment.html
    assert "<script" not in comment.html and "javascript:" not in comment.html
    assert [p.email for p in comment.mentions.all()] == ["bob@example.com"]
    inbox = Delivery.objects.get(medium="inapp", person__email="bob@example.com")
    assert inbox.notification.event == "comment.mention" and inbox.read_at is None
    worker_once()
    (mail,) = smtp.to("bob@example.com")
    assert "You were mentioned" in mail["Subject"]
    assert smtp.to("alice@example.com") == []


def test_comments_on_a_transition_and_refusals(acme_product, people):
    transition = request_transition(actor=people["alice"], product=acme_product, to_stage="pilot")
    comment = services.post_comment(
        actor=people["bob"],
        product=acme_product,
        body="Ping @alice@example.com and @nobody",
        target="transition",
        target_id=transition.pk,
    )
    assert [p.email for p in comment.mentions.all()] == ["alice@example.com"]
    with pytest.raises(NotFound):
        services.post_comment(
            actor=people["bob"], product=acme_product, body="x", target="risk", target_id=9999
        )
    with pytest.raises(InvalidInput):
        services.post_comment(actor=people["bob"], product=acme_product, body="a\x00b")
    with pytest.raises(InvalidInput):
        services.post_comment(actor=people["bob"], product=acme_product, body="   ")
    assert Comment.objects.count() == 1


def test_a_viewer_cannot_comment(acme_product, db):
    from django.contrib.auth import get_user_model

    from prodops.accounts.models import UserRole
    from prodops.core.actors import Actor

    user = get_user_model().objects.create_user("dave", "dave@example.com", "pw")
    UserRole.objects.create(user=user, role="viewer")
    with pytest.raises(PermissionDenied):
        services.post_comment(actor=Actor.for_user(user, "web"), product=acme_product, body="hello")


def test_comment_through_the_api_and_the_timeline(acme_product, people, client):
    from django.contrib.auth import get_user_model

    alice = get_user_model().objects.get(username="alice")
    client.force_login(alice)
    response = client.post(
        "/api/v1/products/pay/comments", {"body": "Hello @bob"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["mentions"] == ["bob@example.com"]
    bad = client.post("/api/v1/products/pay/comments", {"body": 12}, content_type="application/json")
    assert bad.status_code == 422
    huge = client.post(
        "/api/v1/products/pay/comments", {"body": "x" * 20000}, content_type="application/json"
    )
    assert huge.status_code == 422
    page = client.get("/products/pay/activity/").content.decode()
    assert "comment.create" in page and "<p>Hello @bob</p>" in page
    form = client.post(
        "/products/pay/comments/", {"body": "From the **web**", "target": "product"}, follow=True
    )
    assert "<strong>web</strong>" in form.content.decode()
    assert Comment.objects.count() == 2
