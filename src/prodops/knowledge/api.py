"""Documents, training, support sign-offs and support estimates of a product."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router

from prodops.accounts.auth import api_actor
from prodops.catalog.models import Product
from prodops.core.actors import Actor
from prodops.core.pagination import Envelope, paginate
from prodops.knowledge import services
from prodops.knowledge.models import Document, SupportEstimate, SupportSignoff, TrainingSession
from prodops.knowledge.schemas import (
    DocumentIn,
    DocumentOut,
    DocumentPatch,
    SignoffIn,
    SignoffOut,
    SupportEstimateIn,
    SupportEstimateOut,
    TrainingIn,
    TrainingOut,
)

router = Router(tags=["knowledge"])


def _actor(request: HttpRequest) -> Actor:
    return api_actor(request)


def _product(slug: str) -> Product:
    return get_object_or_404(Product, slug=slug)


def document_out(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "kind": doc.kind,
        "title": doc.title,
        "url": doc.url,
        "body": doc.body,
        "owner": doc.owner.email if doc.owner else None,
        "reviewed": doc.reviewed,
        "stale": doc.is_stale(timezone.localdate()),
    }


@router.get("/products/{slug}/documents", response=list[DocumentOut], summary="List a product's documents")
@paginate(Envelope)
def list_documents(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    product = _product(slug)
    return [document_out(d) for d in Document.objects.filter(product=product).select_related("owner")]


@router.post("/products/{slug}/documents", response={201: DocumentOut}, summary="Add a document")
def create_document(request: HttpRequest, slug: str, payload: DocumentIn) -> tuple[int, dict[str, Any]]:
    product = _product(slug)
    with transaction.atomic():
        doc = services.create_document(
            actor=_actor(request),
            product=product,
            kind=payload.kind,
            title=payload.title,
            url=payload.url,
            body=payload.body,
            owner_email=payload.owner,
            reviewed=payload.reviewed,
        )
    return 201, document_out(doc)


@router.patch("/products/{slug}/documents/{doc_id}", response=DocumentOut, summary="Change a document")
def update_document(request: HttpRequest, slug: str, doc_id: int, payload: DocumentPatch) -> dict[str, Any]:
    doc = get_object_or_404(
        Document.objects.select_related("product", "owner"), product__slug=slug, id=doc_id
    )
    changes = payload.dict(exclude_unset=True)
    if "owner" in changes:
        changes["owner_email"] = changes.pop("owner")
    with transaction.atomic():
        services.update_document(actor=_actor(request), document=doc, **changes)
    doc.refresh_from_db()
    return document_out(doc)


@router.delete("/products/{slug}/documents/{doc_id}", response={204: None}, summary="Delete a document")
def delete_document(request: HttpRequest, slug: str, doc_id: int) -> tuple[int, None]:
    doc = get_object_or_404(Document.objects.select_related("product"), product__slug=slug, id=doc_id)
    with transaction.atomic():
        services.delete_document(actor=_actor(request), document=doc)
    return 204, None


def training_out(session: TrainingSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "topic": session.topic,
        "date": session.date,
        "trainer": session.trainer.email if session.trainer else None,
        "attendees": sorted(p.email for p in session.attendees.all()),
        "notes": session.notes,
    }


@router.get("/products/{slug}/training", response=list[TrainingOut], summary="List training sessions")
@paginate(Envelope)
def list_training(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    product = _product(slug)
    sessions = (
        TrainingSession.objects.filter(product=product)
        .select_related("trainer")
        .prefetch_related("attendees")
    )
    return [training_out(s) for s in sessions]


@router.post("/products/{slug}/training", response={201: TrainingOut}, summary="Record a training session")
def create_training(request: HttpRequest, slug: str, payload: TrainingIn) -> tuple[int, dict[str, Any]]:
    product = _product(slug)
    with transaction.atomic():
        session = services.record_training(
            actor=_actor(request),
            product=product,
            topic=payload.topic,
            date=payload.date,
            trainer_email=payload.trainer,
            attendee_emails=payload.attendees,
            notes=payload.notes,
        )
    return 201, training_out(session)


@router.delete(
    "/products/{slug}/training/{session_id}", response={204: None}, summary="Delete a training session"
)
def delete_training(request: HttpRequest, slug: str, session_id: int) -> tuple[int, None]:
    session = get_object_or_404(
        TrainingSession.objects.select_related("product"), product__slug=slug, id=session_id
    )
    with transaction.atomic():
        services.delete_training(actor=_actor(request), session=session)
    return 204, None


def signoff_out(signoff: SupportSignoff) -> dict[str, Any]:
    return {
        "person": signoff.person.email,
        "comment": signoff.comment,
        "signed_at": signoff.signed_at,
        "withdrawn_at": signoff.withdrawn_at,
        "active": signoff.active,
    }


@router.get("/products/{slug}/signoffs", response=list[SignoffOut], summary="List support sign-offs")
@paginate(Envelope)
def list_signoffs(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    product = _product(slug)
    return [signoff_out(s) for s in SupportSignoff.objects.filter(product=product).select_related("person")]


@router.post("/products/{slug}/signoffs", response=SignoffOut, summary="Sign 'I can support this'")
def sign_support(request: HttpRequest, slug: str, payload: SignoffIn) -> dict[str, Any]:
    product = _product(slug)
    with transaction.atomic():
        signoff = services.sign_support(
            actor=_actor(request).with_reason(payload.reason),
            product=product,
            person_email=payload.person,
            comment=payload.comment,
        )
    return signoff_out(signoff)


@router.post("/products/{slug}/signoffs/withdraw", response=SignoffOut, summary="Withdraw a support sign-off")
def withdraw_support(request: HttpRequest, slug: str, payload: SignoffIn) -> dict[str, Any]:
    product = _product(slug)
    with transaction.atomic():
        signoff = services.withdraw_support(
            actor=_actor(request).with_reason(payload.reason),
            product=product,
            person_email=payload.person,
            comment=payload.comment,
        )
    return signoff_out(signoff)


@router.get("/products/{slug}/support-estimate", response={200: SupportEstimateOut, 404: None})
def get_estimate(request: HttpRequest, slug: str) -> Any:
    estimate = get_object_or_404(SupportEstimate, product__slug=slug)
    return {"hours_per_week": estimate.hours_per_week, "basis": estimate.basis}


@router.put(
    "/products/{slug}/support-estimate", response=SupportEstimateOut, summary="Set the expected support load"
)
def put_estimate(request: HttpRequest, slug: str, payload: SupportEstimateIn) -> dict[str, Any]:
    product = _product(slug)
    with transaction.atomic():
        estimate = services.set_support_estimate(
            actor=_actor(request),
            product=product,
            hours_per_week=payload.hours_per_week,
            basis=payload.basis,
        )
    return {"hours_per_week": estimate.hours_per_week, "basis": estimate.basis}
