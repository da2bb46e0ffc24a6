"""Signals between domain apps, so that apps stay decoupled.

``facts_changed`` is sent (by the service that wrote) after anything that feeds a
product's facts has changed: a document, an event, a risk, a custom fact. The readiness
app listens and re-evaluates those products. Send it with ``transaction.on_commit`` so
that a rolled-back write never triggers an evaluation.
"""

from django.dispatch import Signal

# kwargs: product_ids: list[int]
facts_changed = Signal()


def notify_facts_changed(product_ids: list[int]) -> None:
    from django.db import transaction

    ids = sorted(set(product_ids))
    if ids:
        transaction.on_commit(lambda: facts_changed.send(sender=None, product_ids=ids))
