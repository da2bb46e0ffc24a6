"""Policy actions of the playbooks app."""

from prodops.accounts import policy

policy.register("playbook.manage", "manage", "Create and edit playbooks (config-as-code or the web)")
policy.register("playbook.start", "contribute", "Start a run of a playbook for a product or a new engineer")
policy.register("playbook.close", "contribute", "Close a run once its definition of done holds")
policy.register("playbook.step.do", "assignee", "Do a playbook step assigned to you: done, approve, evidence")
policy.register(
    "playbook.step.skip_required", "manage", "Skip a required playbook step, with a reason (any step)"
)
