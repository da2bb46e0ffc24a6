"""Policy actions of the campaigns app."""

from prodops.accounts import policy

policy.register("campaign.manage", "manage", "Launch and close best-practice campaigns")
