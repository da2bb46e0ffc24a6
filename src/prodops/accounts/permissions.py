"""Actions of the accounts app (the core ones are registered in accounts/policy.py)."""

from prodops.accounts import policy

policy.register(
    "person.invite",
    "lead",
    "Invite a lead or team member of your product to sign in (product operations: anyone)",
)
