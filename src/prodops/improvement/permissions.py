"""Retrospective actions (see ``prodops.accounts.policy``)."""

from prodops.accounts import policy

policy.register("retrospective.open", "system", "Open a retrospective after a transition (automatic)")
policy.register("retrospective.edit", "contribute", "Write a retrospective's notes, feedback and hold it")
policy.register("action_item.edit", "contribute", "Add action items and set their status")
