"""Signals between domain apps, so that apps stay decoupled.

``facts_changed`` is sent (by the service that wrote) after anything that feeds a
product's facts has changed: a document, an event, a risk, a custom fact. The readiness
app listens and queues a re-evaluation of those products (one pending background task
per product; docs/operations.md). Send it with ``transaction.on_commit`` so
that a rolled-back write never triggers an evaluation.
"""

from django.db import transaction
from django.dispatch import Signal

# kwargs: product_ids: list[int]
facts_changed = Signal()


def notify_facts_changed(product_ids: list[int]) -> None:
    ids = sorted(set(product_ids))
    if ids:
        transaction.on_commit(lambda: facts_changed.send(sender=None, product_ids=ids))

# kwargs: product_id: int, from_stage: str, to_stage: str. Sent by the lifecycle app on
# commit after a transition executed (the playbooks app starts triggered runs).
transition_executed = Signal()

# kwargs: team_id: int, person_ids: list[int]. Sent by the catalog app on commit after
# people joined a team (the playbooks app starts their onboarding).
team_members_added = Signal()


def send_on_commit(signal: Signal, **kwargs: object) -> None:
    """Send ``signal`` once the current transaction commits (never for a rolled-back write)."""
    transaction.on_commit(lambda: signal.send(sender=None, **kwargs))
