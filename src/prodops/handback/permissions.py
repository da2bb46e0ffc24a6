"""The handback's actions (see ``prodops.accounts.policy``)."""

from prodops.accounts import policy

policy.register("handback.check", "system", "Check operational load and propose handbacks (periodic job)")
