"""Reading customer outcomes (the data comes in through the events app's ``ingest``)."""

from prodops.accounts.policy import register

register(
    "outcomes.view", "read", "See a product's customer outcomes (active users, retention, support load, CSAT)"
)
