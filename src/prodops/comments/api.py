"""Comments over the API: GET/POST /api/v1/products/{slug}/comments."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from ninja import Router

from prodops.accounts.auth import api_actor
from prodops.catalog.models import Product
from prodops.comments import services
from prodops.comments.models import Comment
from prodops.comments.schemas import CommentIn, CommentOut
from prodops.core.errors import NotFound
from prodops.core.pagination import Envelope, paginate

router = Router(tags=["comments"])


def _out(c: Comment) -> CommentOut:
    return CommentOut(
        id=c.pk,
        target=c.target,
        target_id=c.target_id,
        author=c.author,
        body=c.body,
        html=c.html,
        mentions=[p.email for p in c.mentions.all()],
        created_at=c.created_at,
    )


def _product(slug: str) -> Product:
    product = Product.objects.filter(slug=slug).first()
    if product is None:
        raise NotFound(f"no product {slug!r}", field="slug")
    return product


@router.get("/products/{slug}/comments", response=list[CommentOut])
@paginate(Envelope)
def list_comments(request: HttpRequest, slug: str) -> list[CommentOut]:
    return [_out(c) for c in services.comments_of(product=_product(slug))]


@router.post("/products/{slug}/comments", response={201: CommentOut})
def create_comment(request: HttpRequest, slug: str, payload: CommentIn) -> tuple[int, CommentOut]:
    with transaction.atomic():
        comment = services.post_comment(
            actor=api_actor(request),
            product=_product(slug),
            body=payload.body,
            target=payload.target,
            target_id=payload.target_id,
        )
    return 201, _out(comment)
