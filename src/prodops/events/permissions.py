"""The events app's policy actions (registered with one of the rules of accounts.policy)."""

from prodops.accounts import policy

policy.register(
    "events.view_refused",
    "admin",
    "See webhook deliveries that were refused (bad signature or payload) and why",
)
