"""Who may answer the alignment survey and open a round."""

from prodops.accounts.policy import register

register("alignment.view", "read", "See a product's alignment survey, Kendall's W and the north stars")
register(
    "alignment.respond",
    "self",
    "Answer a product's alignment survey (for yourself only; obj is the Person answering)",
)
register("alignment.round.open", "lead", "Open a new alignment survey round for the product's stage")
