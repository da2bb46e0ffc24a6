"""Notification events of the playbooks app."""

from prodops.notifications.events import register_event

register_event(
    "playbook.run_started",
    "Playbook started",
    "{playbook} started{for_whom}: {steps} steps, done when {done_when}",
    description="A playbook run started (by hand, a transition, a schedule or a new team member): "
    "to the product's leads, or to the new engineer and their buddy.",
)
