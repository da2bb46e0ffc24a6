"""Comments: Markdown, sanitized, with @mentions that notify the people mentioned.

``post_comment(actor=..., product=..., body=..., target="product"|"transition"|"waiver"|"risk",
target_id=None)``. A mention is ``@someone@example.com`` (a person's email) or
``@someone`` (the part before the @ of exactly one person's email). The comment is
recorded in the audit log, so it shows in the product's activity timeline.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import markdown
import nh3
from django.apps import apps
from django.db.models import Q
from django.utils import timezone

from prodops.accounts import policy
from prodops.audit.services import record
from prodops.catalog.models import Person, Product
from prodops.comments.models import Comment
from prodops.core.actors import Actor
from prodops.core.errors import InvalidInput, NotFound
from prodops.notifications.services import notify

MAX_BODY = 10_000
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._%+-]+(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)")
ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "hr",
}  # fmt: skip


def render(body: str) -> str:
    """Markdown to HTML, then sanitized: only a few tags, links with rel=noopener."""
    html = markdown.markdown(body, extensions=["fenced_code"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def mentioned(body: str) -> list[Person]:
    """The people a body mentions (unknown or ambiguous names are left out)."""
    found: dict[int, Person] = {}
    for raw in MENTION.findall(body):
        name = raw.rstrip(".").lower()
        if "@" in name:
            person = Person.objects.filter(email__iexact=name).first()
        else:
            matches = list(Person.objects.filter(email__istartswith=f"{name}@")[:2])
            person = matches[0] if len(matches) == 1 else None
        if person is not None:
            found[person.pk] = person
    return list(found.values())


def _target(product: Product, target: str, target_id: int | None) -> Any:
    if target == Comment.Target.PRODUCT:
        if target_id is not None:
            raise InvalidInput("a comment on the product takes no target_id", field="target_id")
        return product
    if target not in Comment.Target.values:
        raise InvalidInput(f"target must be one of {', '.join(Comment.Target.values)}", field="target")
    if target_id is None:
        raise InvalidInput(f"name the {target} (target_id)", field="target_id")
    model = apps.get_model(
        {"transition": "lifecycle.Transition", "waiver": "readiness.Waiver", "risk": "risks.Risk"}[target]
    )
    obj = model.objects.filter(pk=target_id, product=product).first()
    if obj is None:
        raise NotFound(f"{product.slug} has no {target} {target_id}", field="target_id")
    return obj


def post_comment(
    *,
    actor: Actor,
    product: Product,
    body: str,
    target: str = "product",
    target_id: int | None = None,
    now: datetime | None = None,
) -> Comment:
    policy.require(actor, "comment.create", product)
    if not isinstance(body, str) or not body.strip():
        raise InvalidInput("write something", field="body")
    if "\x00" in body:
        raise InvalidInput("the comment contains a NUL character", field="body")
    if len(body) > MAX_BODY:
        raise InvalidInput(f"a comment is at most {MAX_BODY} characters", field="body")
    obj = _target(product, target, target_id)
    now = now or timezone.now()
    user: Any = actor.user if actor.user is not None and actor.user.pk else None
    comment = Comment.objects.create(
        product=product,
        target=target,
        target_id=target_id,
        author=actor.label[:254],
        author_user=user,
        body=body,
        html=render(body),
        created_at=now,
    )
    people = mentioned(body)
    comment.mentions.set(people)
    excerpt = " ".join(body.split())[:200]
    changes = {"comment": [None, excerpt]}
    record(actor=actor, action="comment.create", obj=comment, product=product, changes=changes)
    where = product.name if obj is product else f"{target} {target_id} of {product.name}"
    if people:
        notify(
            event="comment.mention",
            product=product,
            actor=actor,
            subject={"comment": comment.pk, "target": where, "excerpt": excerpt},
            recipients=people,
            url=f"/products/{product.slug}/activity/#comment-{comment.pk}",
        )
    return comment


def comments_of(
    *, product: Product, target: str | None = None, target_id: int | None = None
) -> list[Comment]:
    qs = Comment.objects.filter(product=product)
    if target:
        qs = qs.filter(Q(target=target) & (Q(target_id=target_id) if target_id is not None else Q()))
    return list(qs.prefetch_related("mentions"))
